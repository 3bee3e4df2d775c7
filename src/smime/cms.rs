//! CMS (RFC 5652) through OpenSSL: detached SignedData and (Auth)EnvelopedData, as DER.

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;
use openssl::symm::Cipher as SymmCipher;
use openssl::x509::X509;

use super::keys::{reason, Signer};
use crate::error::{Code, Error, Result};
use crate::settings::Cipher;

/// A detached SignedData over `content`, SHA-256 (OpenSSL's default for the RSA and EC keys
/// that [`super::keys::load_signer`] accepts), with the signer's certificate and chain.
///
/// `BINARY`: the content is already canonical (CRLF), so OpenSSL must sign it byte for byte
/// rather than translate line ends itself.
pub fn sign(signer: &Signer, content: &[u8]) -> Result<Vec<u8>> {
    let flags = CMSOptions::DETACHED | CMSOptions::BINARY;
    CmsContentInfo::sign(Some(&signer.cert), Some(&signer.key), Some(&signer.chain), Some(content), flags)
        .and_then(|cms| cms.to_der())
        .map_err(|e| Error::new(Code::Certificate, format!("MAILSEND: S/MIME signing failed: {}", reason(&e))))
}

/// EnvelopedData (CBC) or AuthEnvelopedData (GCM) of `content` for every certificate.
pub fn encrypt(certs: &Stack<X509>, content: &[u8], cipher: Cipher) -> Result<Vec<u8>> {
    let symm = match cipher {
        Cipher::Aes256Cbc => SymmCipher::aes_256_cbc(),
        Cipher::Aes128Cbc => SymmCipher::aes_128_cbc(),
        Cipher::Aes128Gcm => SymmCipher::aes_128_gcm(),
        Cipher::Aes256Gcm => SymmCipher::aes_256_gcm(),
    };
    CmsContentInfo::encrypt(certs, content, symm, CMSOptions::BINARY)
        .and_then(|cms| cms.to_der())
        .map_err(|e| Error::new(Code::Certificate, format!("MAILSEND: S/MIME encryption failed: {}", reason(&e))))
}

/// Whether the cipher makes AuthEnvelopedData (RFC 5083).
pub fn is_authenticated(cipher: Cipher) -> bool {
    matches!(cipher, Cipher::Aes128Gcm | Cipher::Aes256Gcm)
}
