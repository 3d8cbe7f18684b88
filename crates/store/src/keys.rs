//! Personal data at rest, sealed with the national algorithms (issue 23): resident ID numbers
//! and phone numbers are stored encrypted with SM4 in GCM mode (GB/T 32907 in the authenticated
//! mode of GB/T 36624), each value under a random 96-bit nonce, with the column's name as
//! associated data (a value moved to another column does not open); exact search and "one person
//! in one file" go through a blind index, HMAC-SM3 (GB/T 32905) of the normalised ID under a key
//! of its own. An audit entry whose text names an ID or a phone is sealed the same way (its hash
//! is over the plain text, so the chain still proves it).
//!
//! The keys live in a key file outside the database (`bangfu keys init`, mode 0600; never in a
//! log or a backup): the data keys by number, the newest the one that seals, and the index key.
//! A sealed value is `sm4:<key number>:<base64url of nonce ‖ ciphertext ‖ tag>`; a value without
//! that prefix is read as it is (a database not yet converted), and [`crate::Store::reseal`]
//! seals it. `bangfu keys rotate` adds a data key and reseals with it; a server that meets a key
//! it does not know reads the key file again.
//!
//! One keyring per process ([`install`], at start, like the database URL): the decoders run on
//! the pool, in write transactions and on rusqlite read connections alike, and all of them find
//! it there.

use crate::StoreError;
use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sm3::Sm3;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// SM4 in GCM mode, 96-bit nonces, 128-bit tags.
type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// The prefix of a sealed value.
pub const SEALED: &str = "sm4:";

/// The key file's format name.
const FORMAT: &str = "bangfu-keys/1";

/// The key file as stored (JSON).
#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    /// HMAC-SM3 key of the blind index (32 bytes, base64).
    index_key: String,
    /// Data keys (16 bytes each, base64), the newest last.
    keys: Vec<StoredKey>,
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    id: u32,
    created: String,
    key: String,
}

struct Inner {
    index: Hmac<Sm3>,
    keys: BTreeMap<u32, Sm4Gcm>,
    /// When each key was made (RFC 3339, UTC).
    created: BTreeMap<u32, String>,
    active: u32,
}

/// The keys of this deployment.
pub struct Keyring {
    path: Option<PathBuf>,
    inner: RwLock<Inner>,
    /// When the key file was last looked at, and its modification time then.
    seen: std::sync::Mutex<(std::time::Instant, Option<std::time::SystemTime>)>,
}

/// How often a process that seals looks whether the key file changed (a rotation elsewhere).
pub const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// What went wrong with a key file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file cannot be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a key file of this program.
    #[error("key file {0} is not a Bangfu key file (format {FORMAT}): {1}")]
    Format(String, String),
    /// `init` of a file that exists.
    #[error("key file {0} exists already: its keys seal data; to change the data key use `bangfu keys rotate`")]
    Exists(String),
}

fn io(path: &Path, source: std::io::Error) -> KeyError {
    KeyError::Io { path: path.display().to_string(), source }
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    aes_gcm::aead::rand_core::RngCore::fill_bytes(&mut OsRng, &mut b);
    b
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl KeyFile {
    fn fresh() -> KeyFile {
        KeyFile {
            format: FORMAT.into(),
            index_key: STANDARD.encode(random::<32>()),
            keys: vec![StoredKey { id: 1, created: now(), key: STANDARD.encode(random::<16>()) }],
        }
    }

    fn read(path: &Path) -> Result<KeyFile, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
        let bad = |why: String| KeyError::Format(path.display().to_string(), why);
        let f: KeyFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if f.format != FORMAT {
            return Err(bad(format!("format {}", f.format)));
        }
        if f.keys.is_empty() {
            return Err(bad("no data key".into()));
        }
        Ok(f)
    }

    /// Writes the file whole, owner-only, through a temporary file renamed over it: a crash
    /// leaves the old file or the new one, never half of one.
    fn write(&self, path: &Path, create_new: bool) -> Result<(), KeyError> {
        use std::io::Write;
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| KeyError::Format(path.display().to_string(), e.to_string()))?;
        let tmp = path.with_extension("key-new");
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let mut f = o.open(&tmp).map_err(|e| io(&tmp, e))?;
        f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| io(&tmp, e))?;
        drop(f);
        if create_new && path.exists() {
            let _ = std::fs::remove_file(&tmp);
            return Err(KeyError::Exists(path.display().to_string()));
        }
        std::fs::rename(&tmp, path).map_err(|e| io(path, e))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    fn inner(&self, path: &str) -> Result<Inner, KeyError> {
        let bad = |why: &str| KeyError::Format(path.to_string(), why.to_string());
        let index_key = STANDARD.decode(&self.index_key).map_err(|_| bad("index_key is not base64"))?;
        if index_key.len() != 32 {
            return Err(bad("index_key is not 32 bytes"));
        }
        let index = <Hmac<Sm3> as Mac>::new_from_slice(&index_key).map_err(|_| bad("index_key"))?;
        let mut keys = BTreeMap::new();
        let created = self.keys.iter().map(|k| (k.id, k.created.clone())).collect();
        for k in &self.keys {
            let bytes = STANDARD.decode(&k.key).map_err(|_| bad("a data key is not base64"))?;
            let cipher = Sm4Gcm::new_from_slice(&bytes).map_err(|_| bad("a data key is not 16 bytes"))?;
            if keys.insert(k.id, cipher).is_some() {
                return Err(bad("two data keys with one number"));
            }
        }
        let active = *keys.keys().next_back().ok_or_else(|| bad("no data key"))?;
        Ok(Inner { index, keys, created, active })
    }
}

impl Keyring {
    /// A new key file at `path` (refused if it exists), mode 0600, and its keyring.
    pub fn init(path: &Path) -> Result<Keyring, KeyError> {
        if path.exists() {
            return Err(KeyError::Exists(path.display().to_string()));
        }
        let f = KeyFile::fresh();
        f.write(path, true)?;
        Keyring::with(Some(path), f.inner(&path.display().to_string())?)
    }

    /// The keyring of the key file at `path`.
    pub fn load(path: &Path) -> Result<Keyring, KeyError> {
        let f = KeyFile::read(path)?;
        Keyring::with(Some(path), f.inner(&path.display().to_string())?)
    }

    fn with(path: Option<&Path>, inner: Inner) -> Result<Keyring, KeyError> {
        Ok(Keyring {
            path: path.map(Path::to_path_buf),
            inner: RwLock::new(inner),
            seen: std::sync::Mutex::new((std::time::Instant::now(), path.and_then(modified))),
        })
    }

    /// A keyring of fresh keys held in memory only (tests).
    pub fn ephemeral() -> Keyring {
        let f = KeyFile::fresh();
        // Fresh keys of the right sizes always make a keyring.
        let inner = f.inner("memory").unwrap_or_else(|e| unreachable!("{e}"));
        Keyring::with(None, inner).unwrap_or_else(|e| unreachable!("{e}"))
    }

    /// Adds a data key to the key file and makes it the one that seals; gives its number.
    pub fn add_key(&self) -> Result<u32, KeyError> {
        let Some(path) = &self.path else {
            return Err(KeyError::Format("memory".into(), "a keyring without a file".into()));
        };
        let mut f = KeyFile::read(path)?;
        let id = f.keys.iter().map(|k| k.id).max().unwrap_or(0) + 1;
        f.keys.push(StoredKey { id, created: now(), key: STANDARD.encode(random::<16>()) });
        f.write(path, false)?;
        self.reload()?;
        Ok(id)
    }

    /// Reads the key file again (a key added by `bangfu keys rotate` in another process).
    pub fn reload(&self) -> Result<(), KeyError> {
        if let Some(path) = &self.path {
            let mtime = modified(path);
            let inner = KeyFile::read(path)?.inner(&path.display().to_string())?;
            *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = (std::time::Instant::now(), mtime);
            *self.inner.write().unwrap_or_else(|p| p.into_inner()) = inner;
        }
        Ok(())
    }

    /// Every [`LOOK_EVERY`]: if the key file changed (a key added by a rotation in another
    /// process), reads it, so this process seals with the new key from then on.
    fn look_at_file(&self) {
        let Some(path) = &self.path else { return };
        let changed = {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if seen.0.elapsed() < LOOK_EVERY {
                return;
            }
            let now = modified(path);
            let changed = now != seen.1;
            *seen = (std::time::Instant::now(), seen.1);
            changed
        };
        if changed {
            if let Err(e) = self.reload() {
                tracing::warn!(error = %e, "the key file changed and cannot be read: sealing with the keys held");
            }
        }
    }

    /// The number of the key that seals.
    pub fn active(&self) -> u32 {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).active
    }

    /// The key file, if the keys came from one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The data keys held: number and when it was made (RFC 3339, UTC).
    pub fn key_info(&self) -> Vec<(u32, String)> {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).created.iter().map(|(k, c)| (*k, c.clone())).collect()
    }

    /// The numbers of all keys held.
    pub fn key_ids(&self) -> Vec<u32> {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).keys.keys().copied().collect()
    }

    /// `plain` sealed for column `field` with the active key.
    pub fn seal(&self, field: &str, plain: &str) -> Result<String, StoreError> {
        // Nothing to hide in nothing (a household without a phone): stored empty.
        if plain.is_empty() {
            return Ok(String::new());
        }
        self.look_at_file();
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        let cipher = &inner.keys[&inner.active];
        // A nonce from the thread's CSPRNG (ChaCha, seeded and reseeded from the OS), not one
        // drawn from the OS: that is a system call per value, and an import seals hundreds of
        // thousands.
        let mut nonce = aes_gcm::Nonce::<aes_gcm::aead::consts::U12>::default();
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut nonce);
        let ct = cipher
            .encrypt(&nonce, Payload { msg: plain.as_bytes(), aad: field.as_bytes() })
            .map_err(|_| StoreError::Key("SM4-GCM sealing failed".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&ct);
        Ok(format!("{SEALED}{}:{}", inner.active, URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The plain text of `stored` (column `field`); a value not sealed is given back as it is.
    pub fn open(&self, field: &'static str, stored: &str) -> Result<String, StoreError> {
        let Some(rest) = stored.strip_prefix(SEALED) else {
            return Ok(stored.to_string());
        };
        let (id, body) = rest.split_once(':').ok_or(StoreError::Corrupt(field))?;
        let id: u32 = id.parse().map_err(|_| StoreError::Corrupt(field))?;
        if !self.inner.read().unwrap_or_else(|p| p.into_inner()).keys.contains_key(&id) {
            // Rotated by another process since this one read the file.
            self.reload().map_err(|e| StoreError::Key(e.to_string()))?;
        }
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        let cipher =
            inner.keys.get(&id).ok_or_else(|| StoreError::Key(format!("data key {id} is not in the key file")))?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| StoreError::Corrupt(field))?;
        if bytes.len() < 12 + 16 {
            return Err(StoreError::Corrupt(field));
        }
        let (nonce, ct) = bytes.split_at(12);
        let plain = cipher
            .decrypt(aes_gcm::Nonce::from_slice(nonce), Payload { msg: ct, aad: field.as_bytes() })
            .map_err(|_| StoreError::Corrupt(field))?;
        String::from_utf8(plain).map_err(|_| StoreError::Corrupt(field))
    }

    /// The blind index of a resident ID: HMAC-SM3 of the ID (trimmed, upper case), its first
    /// 8 bytes as a non-zero integer; 0 for an empty ID (it matches nothing). An integer, not
    /// text: an index of random keys costs its inserts most, and an 8-byte key makes it a third
    /// of the size of the ID's. Two IDs share one with a chance of one in 2^63 per pair
    /// (two in 10^12 for a look-up among 20 million people).
    pub fn blind(&self, id_number: &str) -> i64 {
        let id = id_number.trim().as_bytes();
        if id.is_empty() {
            return 0;
        }
        let mut mac = self.inner.read().unwrap_or_else(|p| p.into_inner()).index.clone();
        // Upper-cased through a buffer on the stack: a roster or an import indexes a hundred
        // thousand IDs, and an allocation each was a measurable part of it.
        let mut upper = [0u8; 32];
        for chunk in id.chunks(upper.len()) {
            let part = &mut upper[..chunk.len()];
            part.copy_from_slice(chunk);
            part.make_ascii_uppercase();
            mac.update(part);
        }
        let bytes = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&bytes[..8]);
        match i64::from_be_bytes(first) {
            0 => 1,
            n => n,
        }
    }

    /// Whether `stored` is sealed with the active key.
    pub fn is_current(&self, stored: &str) -> bool {
        stored.strip_prefix(SEALED).and_then(|r| r.split_once(':')).and_then(|(id, _)| id.parse::<u32>().ok())
            == Some(self.active())
    }
}

static KEYRING: RwLock<Option<Arc<Keyring>>> = RwLock::new(None);

/// Makes `keys` the keyring of this process.
pub fn install(keys: Keyring) {
    *KEYRING.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(keys));
}

/// The keyring of this process, if one is installed.
pub fn installed() -> Option<Arc<Keyring>> {
    KEYRING.read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The keyring of this process, or the error that says none was given.
pub fn keyring() -> Result<Arc<Keyring>, StoreError> {
    installed().ok_or_else(|| {
        StoreError::Key("no key file: give --key-file or BANGFU_KEY_FILE (create one with `bangfu keys init`)".into())
    })
}

/// `plain` sealed for `field` with this process's keyring (an empty value stays empty).
pub fn seal(field: &str, plain: &str) -> Result<String, StoreError> {
    if plain.is_empty() {
        return Ok(String::new());
    }
    keyring()?.seal(field, plain)
}

/// The plain text of `stored` (column `field`); values not sealed need no keyring.
pub fn open(field: &'static str, stored: &str) -> Result<String, StoreError> {
    if !stored.starts_with(SEALED) {
        return Ok(stored.to_string());
    }
    keyring()?.open(field, stored)
}

/// The blind index of a resident ID with this process's keyring.
pub fn blind(id_number: &str) -> Result<i64, StoreError> {
    if id_number.trim().is_empty() {
        return Ok(0);
    }
    Ok(keyring()?.blind(id_number))
}

/// Column names, the associated data of their sealed values.
pub mod field {
    /// households.head_id_number
    pub const HEAD_ID: &str = "households.head_id_number";
    /// households.phone
    pub const PHONE: &str = "households.phone";
    /// members.id_number
    pub const MEMBER_ID: &str = "members.id_number";
    /// joint_members.phone
    pub const JOINT_PHONE: &str = "joint_members.phone";
    /// audit_log.detail
    pub const AUDIT_DETAIL: &str = "audit_log.detail";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_in_their_column_and_unchanged() {
        let k = Keyring::ephemeral();
        let s = k.seal(field::HEAD_ID, "45040319800101123X").unwrap();
        assert!(s.starts_with("sm4:1:") && !s.contains("45040319800101123X"));
        assert_eq!(k.open(field::HEAD_ID, &s).unwrap(), "45040319800101123X");
        assert!(matches!(k.open(field::MEMBER_ID, &s), Err(StoreError::Corrupt(_))));
        // A nonce per value: the same ID seals differently each time.
        assert_ne!(s, k.seal(field::HEAD_ID, "45040319800101123X").unwrap());
        // One changed character of the ciphertext does not open.
        let mut t = s.clone().into_bytes();
        let last = t.len() - 1;
        t[last] = if t[last] == b'A' { b'B' } else { b'A' };
        assert!(k.open(field::HEAD_ID, std::str::from_utf8(&t).unwrap()).is_err());
        // Not sealed: read as it is.
        assert_eq!(k.open(field::PHONE, "13812345678").unwrap(), "13812345678");
        assert_eq!(k.seal(field::PHONE, "").unwrap(), "");
    }

    #[test]
    fn the_blind_index_is_deterministic_per_key_and_normalised() {
        let (a, b) = (Keyring::ephemeral(), Keyring::ephemeral());
        assert_eq!(a.blind("45040319800101123x "), a.blind("45040319800101123X"));
        assert_ne!(a.blind("45040319800101123X"), b.blind("45040319800101123X"));
        assert_ne!(a.blind("45040319800101123X"), a.blind("450403198001011234"));
        assert_eq!(a.blind(""), 0);
        assert_ne!(a.blind("45040319800101123X"), 0);
        // Upper-cased a piece at a time: the same MAC as of the whole upper-cased text, at any length.
        let whole = |text: &str| {
            let mut mac = a.inner.read().unwrap().index.clone();
            mac.update(text.to_ascii_uppercase().as_bytes());
            i64::from_be_bytes(mac.finalize().into_bytes()[..8].try_into().unwrap())
        };
        for text in ["45040319800101123x", "x", &"abcdefghij".repeat(7)] {
            assert_eq!(a.blind(text), whole(text), "{text}");
        }
    }

    #[test]
    fn a_key_file_is_owner_only_and_a_rotated_key_still_opens_the_old_values() {
        let dir = tempfile_dir();
        let path = dir.join("bangfu.key");
        let k = Keyring::init(&path).unwrap();
        assert!(matches!(Keyring::init(&path), Err(KeyError::Exists(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let old = k.seal(field::PHONE, "13812345678").unwrap();
        // Another process (a second keyring on the file) rotates.
        let other = Keyring::load(&path).unwrap();
        assert_eq!(other.add_key().unwrap(), 2);
        let new = other.seal(field::PHONE, "13812345678").unwrap();
        assert!(new.starts_with("sm4:2:") && !k.is_current(&new) && other.is_current(&new));
        // The first one meets key 2, reads the file again, and opens it.
        assert_eq!(k.open(field::PHONE, &new).unwrap(), "13812345678");
        assert_eq!(k.active(), 2);
        assert_eq!(k.open(field::PHONE, &old).unwrap(), "13812345678");
        assert_eq!(k.blind("450403198001011234"), other.blind("450403198001011234"));
        std::fs::write(&path, "{}").unwrap();
        assert!(matches!(Keyring::load(&path), Err(KeyError::Format(..))));
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Not a check: what one value costs (release: `cargo test --release -p bangfu-store
    /// keys::tests::cost -- --ignored --nocapture`), for docs/performance.md.
    #[test]
    #[ignore]
    fn cost() {
        let k = Keyring::ephemeral();
        let n = 200_000u32;
        let ids: Vec<String> = (0..n).map(|i| format!("45040319800101{:04}", i % 10_000)).collect();
        let t = std::time::Instant::now();
        let sealed: Vec<String> = ids.iter().map(|id| k.seal(field::HEAD_ID, id).unwrap()).collect();
        let seal = t.elapsed().as_nanos() / u128::from(n);
        let t = std::time::Instant::now();
        for s in &sealed {
            k.open(field::HEAD_ID, s).unwrap();
        }
        let open = t.elapsed().as_nanos() / u128::from(n);
        let t = std::time::Instant::now();
        for id in &ids {
            k.blind(id);
        }
        let blind = t.elapsed().as_nanos() / u128::from(n);
        println!("per value: seal {seal} ns, open {open} ns, blind index {blind} ns");
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("bangfu-keys-{}-{}", std::process::id(), random::<4>()[0]));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
