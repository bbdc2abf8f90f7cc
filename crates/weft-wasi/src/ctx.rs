//! `WasiCtx`: what a WASI program can reach — its arguments, environment, standard streams and the
//! descriptors it holds (preopened directories and whatever it opened beneath them).

use crate::abi::{self, Errno, WasiResult, rights};
use anyhow::Context as _;
use cap_std::fs::Dir;
use std::io::Cursor;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// An in-memory sink for a standard stream, shared with the embedder (for tests and capture).
#[derive(Clone, Default, Debug)]
pub struct OutputBuffer(Arc<Mutex<Vec<u8>>>);

impl OutputBuffer {
    pub fn new() -> OutputBuffer {
        OutputBuffer::default()
    }
    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    pub(crate) fn append(&self, bytes: &[u8]) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
    }
}

/// What a descriptor refers to.
pub(crate) enum Handle {
    /// The host process's fd 0, 1 or 2.
    HostStdio(u8),
    /// Standard input fed from bytes.
    InputBytes(Cursor<Vec<u8>>),
    /// Standard output/error captured in memory.
    Output(OutputBuffer),
    /// A regular file (or device) opened beneath a preopen.
    File(std::fs::File),
    /// A directory: a capability for everything beneath it.
    Dir(DirHandle),
}

pub(crate) struct DirHandle {
    pub dir: Dir,
    /// The guest name of a preopened directory (`fd_prestat_*`); `None` for directories opened later.
    pub preopen: Option<String>,
    /// Entries listed by the last `fd_readdir` with cookie 0, so later cookies stay stable.
    pub entries: Option<Vec<DirEntry>>,
}

pub(crate) struct DirEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub filetype: u8,
}

pub(crate) struct Fd {
    pub handle: Handle,
    pub base: u64,
    pub inheriting: u64,
}

impl Fd {
    /// `Ok(())` if the descriptor holds all of `needed`, else `ENOTCAPABLE`.
    pub fn require(&self, needed: u64) -> WasiResult<()> {
        if self.base & needed == needed { Ok(()) } else { Err(Errno::NOTCAPABLE) }
    }
}

/// The state of one WASI program. Build it with [`WasiCtx::builder`].
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) fds: Vec<Option<Fd>>,
    pub(crate) trace: bool,
}

impl WasiCtx {
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::default()
    }

    pub(crate) fn fd(&self, fd: u32) -> WasiResult<&Fd> {
        self.fds.get(fd as usize).and_then(|f| f.as_ref()).ok_or(Errno::BADF)
    }

    pub(crate) fn fd_mut(&mut self, fd: u32) -> WasiResult<&mut Fd> {
        self.fds.get_mut(fd as usize).and_then(|f| f.as_mut()).ok_or(Errno::BADF)
    }

    /// The directory behind `fd`, which must hold `needed`.
    pub(crate) fn dir(&self, fd: u32, needed: u64) -> WasiResult<&Dir> {
        let f = self.fd(fd)?;
        match &f.handle {
            Handle::Dir(d) => {
                f.require(needed)?;
                Ok(&d.dir)
            }
            _ => Err(Errno::NOTDIR),
        }
    }

    /// Puts `fd` in the lowest free slot and returns its number.
    pub(crate) fn insert(&mut self, fd: Fd) -> WasiResult<u32> {
        if let Some(i) = self.fds.iter().position(|f| f.is_none()) {
            self.fds[i] = Some(fd);
            return Ok(i as u32);
        }
        if self.fds.len() >= u32::MAX as usize {
            return Err(Errno::MFILE);
        }
        self.fds.push(Some(fd));
        Ok(self.fds.len() as u32 - 1)
    }
}

enum StdinSpec {
    Inherit,
    Bytes(Vec<u8>),
}

enum OutputSpec {
    Inherit,
    Buffer(OutputBuffer),
}

/// Builder for [`WasiCtx`]. By default the program gets no arguments, no environment, no directories,
/// and the host's standard streams.
pub struct WasiCtxBuilder {
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    preopens: Vec<(Dir, String)>,
    stdin: StdinSpec,
    stdout: OutputSpec,
    stderr: OutputSpec,
    trace: bool,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            preopens: Vec::new(),
            stdin: StdinSpec::Inherit,
            stdout: OutputSpec::Inherit,
            stderr: OutputSpec::Inherit,
            trace: false,
        }
    }
}

impl WasiCtxBuilder {
    /// Appends one argument (`argv[0]` is the first one given: by convention the program name).
    pub fn arg(mut self, arg: impl AsRef<[u8]>) -> Self {
        self.args.push(arg.as_ref().to_vec());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<[u8]>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_vec()));
        self
    }

    /// Adds `NAME=VALUE` to the environment.
    pub fn env(mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Self {
        let mut kv = name.as_ref().to_vec();
        kv.push(b'=');
        kv.extend_from_slice(value.as_ref());
        self.env.push(kv);
        self
    }

    /// Gives the program the host directory `host` under the name `guest` (its only way to reach files).
    pub fn preopened_dir(mut self, host: impl AsRef<Path>, guest: impl Into<String>) -> anyhow::Result<Self> {
        let host = host.as_ref();
        let dir = Dir::open_ambient_dir(host, cap_std::ambient_authority())
            .with_context(|| format!("cannot open directory {}", host.display()))?;
        self.preopens.push((dir, guest.into()));
        Ok(self)
    }

    pub fn stdin_bytes(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = StdinSpec::Bytes(bytes.into());
        self
    }

    pub fn stdout_buffer(mut self, buf: OutputBuffer) -> Self {
        self.stdout = OutputSpec::Buffer(buf);
        self
    }

    pub fn stderr_buffer(mut self, buf: OutputBuffer) -> Self {
        self.stderr = OutputSpec::Buffer(buf);
        self
    }

    /// Log every WASI call and its errno on the host's stderr.
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = on;
        self
    }

    pub fn build(self) -> WasiCtx {
        let stdio = |h: Handle| Some(Fd { handle: h, base: rights::STDIO, inheriting: 0 });
        let mut fds = vec![
            stdio(match self.stdin {
                StdinSpec::Inherit => Handle::HostStdio(0),
                StdinSpec::Bytes(b) => Handle::InputBytes(Cursor::new(b)),
            }),
            stdio(match self.stdout {
                OutputSpec::Inherit => Handle::HostStdio(1),
                OutputSpec::Buffer(b) => Handle::Output(b),
            }),
            stdio(match self.stderr {
                OutputSpec::Inherit => Handle::HostStdio(2),
                OutputSpec::Buffer(b) => Handle::Output(b),
            }),
        ];
        for (dir, guest) in self.preopens {
            fds.push(Some(Fd {
                handle: Handle::Dir(DirHandle { dir, preopen: Some(guest), entries: None }),
                base: rights::DIR,
                inheriting: rights::DIR | rights::FILE,
            }));
        }
        WasiCtx { args: self.args, env: self.env, fds, trace: self.trace }
    }
}

/// `abi::FILETYPE_*` of a host file type.
pub(crate) fn filetype_of(ft: cap_std::fs::FileType) -> u8 {
    use cap_std::fs::FileTypeExt;
    if ft.is_dir() {
        abi::FILETYPE_DIRECTORY
    } else if ft.is_file() {
        abi::FILETYPE_REGULAR_FILE
    } else if ft.is_symlink() {
        abi::FILETYPE_SYMBOLIC_LINK
    } else if ft.is_char_device() {
        abi::FILETYPE_CHARACTER_DEVICE
    } else if ft.is_block_device() {
        abi::FILETYPE_BLOCK_DEVICE
    } else if ft.is_socket() {
        abi::FILETYPE_SOCKET_STREAM
    } else {
        abi::FILETYPE_UNKNOWN
    }
}
