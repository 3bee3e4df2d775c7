/*********************************************************************/
/* MONTHLY: the CL form. A CL source that called LNCCMD runs as is:  */
/*   lncmail run examples/monthly.clp                                */
/* PGM, DCL, MONMSG and ENDPGM are skipped; other CL statements are  */
/* refused unless --cl-skip-other.                                   */
/*********************************************************************/
             PGM
             DCL        VAR(&RESULT) TYPE(*CHAR) LEN(256)

             LNCCMD     CMD(MAILSMTP) +
                          PARM1('Server="file:outbox";+
                          Sender="Accounting <acct@example.com>"')
             MONMSG     MSGID(CPF0000)

             LNCCMD     CMD(MAILPREP) PARM1('boss@example.com') +
                          PARM2('subject="Monthly report";priority=5') +
                          OPT(*NONE)
             LNCCMD     CMD(MAILTEXT) PARM1('The monthly report is attached.')
             LNCCMD     CMD(MAILATT) PARM1('examples/files/report.csv') +
                          PARM2('name="report.csv"')  /* shown name */
             CALL       PGM(LNCCMD) PARM('MAILSEND' ' ' ' ' ' ')
             LNCCMD     CMD(MAILEND)
             ENDPGM
