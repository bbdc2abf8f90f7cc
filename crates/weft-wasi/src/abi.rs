//! The `wasi_snapshot_preview1` ABI: errno values, flags, rights and the byte layout of the structures
//! passed through guest memory (all little-endian, offsets from the witx definitions).

/// A WASI errno (`errno` is a `u16` in witx; functions return it as an `i32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub u16);

#[rustfmt::skip]
impl Errno {
    pub const SUCCESS: Errno = Errno(0);
    pub const TOOBIG: Errno = Errno(1);
    pub const ACCES: Errno = Errno(2);
    pub const ADDRINUSE: Errno = Errno(3);
    pub const ADDRNOTAVAIL: Errno = Errno(4);
    pub const AFNOSUPPORT: Errno = Errno(5);
    pub const AGAIN: Errno = Errno(6);
    pub const ALREADY: Errno = Errno(7);
    pub const BADF: Errno = Errno(8);
    pub const BADMSG: Errno = Errno(9);
    pub const BUSY: Errno = Errno(10);
    pub const CANCELED: Errno = Errno(11);
    pub const CHILD: Errno = Errno(12);
    pub const CONNABORTED: Errno = Errno(13);
    pub const CONNREFUSED: Errno = Errno(14);
    pub const CONNRESET: Errno = Errno(15);
    pub const DEADLK: Errno = Errno(16);
    pub const DESTADDRREQ: Errno = Errno(17);
    pub const DOM: Errno = Errno(18);
    pub const DQUOT: Errno = Errno(19);
    pub const EXIST: Errno = Errno(20);
    pub const FAULT: Errno = Errno(21);
    pub const FBIG: Errno = Errno(22);
    pub const HOSTUNREACH: Errno = Errno(23);
    pub const IDRM: Errno = Errno(24);
    pub const ILSEQ: Errno = Errno(25);
    pub const INPROGRESS: Errno = Errno(26);
    pub const INTR: Errno = Errno(27);
    pub const INVAL: Errno = Errno(28);
    pub const IO: Errno = Errno(29);
    pub const ISCONN: Errno = Errno(30);
    pub const ISDIR: Errno = Errno(31);
    pub const LOOP: Errno = Errno(32);
    pub const MFILE: Errno = Errno(33);
    pub const MLINK: Errno = Errno(34);
    pub const MSGSIZE: Errno = Errno(35);
    pub const MULTIHOP: Errno = Errno(36);
    pub const NAMETOOLONG: Errno = Errno(37);
    pub const NETDOWN: Errno = Errno(38);
    pub const NETRESET: Errno = Errno(39);
    pub const NETUNREACH: Errno = Errno(40);
    pub const NFILE: Errno = Errno(41);
    pub const NOBUFS: Errno = Errno(42);
    pub const NODEV: Errno = Errno(43);
    pub const NOENT: Errno = Errno(44);
    pub const NOEXEC: Errno = Errno(45);
    pub const NOLCK: Errno = Errno(46);
    pub const NOLINK: Errno = Errno(47);
    pub const NOMEM: Errno = Errno(48);
    pub const NOMSG: Errno = Errno(49);
    pub const NOPROTOOPT: Errno = Errno(50);
    pub const NOSPC: Errno = Errno(51);
    pub const NOSYS: Errno = Errno(52);
    pub const NOTCONN: Errno = Errno(53);
    pub const NOTDIR: Errno = Errno(54);
    pub const NOTEMPTY: Errno = Errno(55);
    pub const NOTRECOVERABLE: Errno = Errno(56);
    pub const NOTSOCK: Errno = Errno(57);
    pub const NOTSUP: Errno = Errno(58);
    pub const NOTTY: Errno = Errno(59);
    pub const NXIO: Errno = Errno(60);
    pub const OVERFLOW: Errno = Errno(61);
    pub const OWNERDEAD: Errno = Errno(62);
    pub const PERM: Errno = Errno(63);
    pub const PIPE: Errno = Errno(64);
    pub const PROTO: Errno = Errno(65);
    pub const PROTONOSUPPORT: Errno = Errno(66);
    pub const PROTOTYPE: Errno = Errno(67);
    pub const RANGE: Errno = Errno(68);
    pub const ROFS: Errno = Errno(69);
    pub const SPIPE: Errno = Errno(70);
    pub const SRCH: Errno = Errno(71);
    pub const STALE: Errno = Errno(72);
    pub const TIMEDOUT: Errno = Errno(73);
    pub const TXTBSY: Errno = Errno(74);
    pub const XDEV: Errno = Errno(75);
    pub const NOTCAPABLE: Errno = Errno(76);
}

impl Errno {
    /// The WASI errno for a host errno (Linux values, through `libc`).
    pub fn from_host(e: i32) -> Errno {
        #[rustfmt::skip]
        let w = match e {
            libc::E2BIG => Errno::TOOBIG, libc::EACCES => Errno::ACCES, libc::EADDRINUSE => Errno::ADDRINUSE,
            libc::EADDRNOTAVAIL => Errno::ADDRNOTAVAIL, libc::EAFNOSUPPORT => Errno::AFNOSUPPORT,
            libc::EAGAIN => Errno::AGAIN, libc::EALREADY => Errno::ALREADY, libc::EBADF => Errno::BADF,
            libc::EBADMSG => Errno::BADMSG, libc::EBUSY => Errno::BUSY, libc::ECANCELED => Errno::CANCELED,
            libc::ECHILD => Errno::CHILD, libc::ECONNABORTED => Errno::CONNABORTED,
            libc::ECONNREFUSED => Errno::CONNREFUSED, libc::ECONNRESET => Errno::CONNRESET,
            libc::EDEADLK => Errno::DEADLK, libc::EDESTADDRREQ => Errno::DESTADDRREQ, libc::EDOM => Errno::DOM,
            libc::EDQUOT => Errno::DQUOT, libc::EEXIST => Errno::EXIST, libc::EFAULT => Errno::FAULT,
            libc::EFBIG => Errno::FBIG, libc::EHOSTUNREACH => Errno::HOSTUNREACH, libc::EIDRM => Errno::IDRM,
            libc::EILSEQ => Errno::ILSEQ, libc::EINPROGRESS => Errno::INPROGRESS, libc::EINTR => Errno::INTR,
            libc::EINVAL => Errno::INVAL, libc::EIO => Errno::IO, libc::EISCONN => Errno::ISCONN,
            libc::EISDIR => Errno::ISDIR, libc::ELOOP => Errno::LOOP, libc::EMFILE => Errno::MFILE,
            libc::EMLINK => Errno::MLINK, libc::EMSGSIZE => Errno::MSGSIZE, libc::EMULTIHOP => Errno::MULTIHOP,
            libc::ENAMETOOLONG => Errno::NAMETOOLONG, libc::ENETDOWN => Errno::NETDOWN,
            libc::ENETRESET => Errno::NETRESET, libc::ENETUNREACH => Errno::NETUNREACH,
            libc::ENFILE => Errno::NFILE, libc::ENOBUFS => Errno::NOBUFS, libc::ENODEV => Errno::NODEV,
            libc::ENOENT => Errno::NOENT, libc::ENOEXEC => Errno::NOEXEC, libc::ENOLCK => Errno::NOLCK,
            libc::ENOLINK => Errno::NOLINK, libc::ENOMEM => Errno::NOMEM, libc::ENOMSG => Errno::NOMSG,
            libc::ENOPROTOOPT => Errno::NOPROTOOPT, libc::ENOSPC => Errno::NOSPC, libc::ENOSYS => Errno::NOSYS,
            libc::ENOTCONN => Errno::NOTCONN, libc::ENOTDIR => Errno::NOTDIR, libc::ENOTEMPTY => Errno::NOTEMPTY,
            libc::ENOTRECOVERABLE => Errno::NOTRECOVERABLE, libc::ENOTSOCK => Errno::NOTSOCK,
            libc::EOPNOTSUPP => Errno::NOTSUP, libc::ENOTTY => Errno::NOTTY, libc::ENXIO => Errno::NXIO,
            libc::EOVERFLOW => Errno::OVERFLOW, libc::EOWNERDEAD => Errno::OWNERDEAD, libc::EPERM => Errno::PERM,
            libc::EPIPE => Errno::PIPE, libc::EPROTO => Errno::PROTO,
            libc::EPROTONOSUPPORT => Errno::PROTONOSUPPORT, libc::EPROTOTYPE => Errno::PROTOTYPE,
            libc::ERANGE => Errno::RANGE, libc::EROFS => Errno::ROFS, libc::ESPIPE => Errno::SPIPE,
            libc::ESRCH => Errno::SRCH, libc::ESTALE => Errno::STALE, libc::ETIMEDOUT => Errno::TIMEDOUT,
            libc::ETXTBSY => Errno::TXTBSY, libc::EXDEV => Errno::XDEV,
            _ => Errno::IO,
        };
        w
    }
}

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Errno {
        use std::io::ErrorKind as K;
        if let Some(code) = e.raw_os_error() {
            return Errno::from_host(code);
        }
        match e.kind() {
            // cap-std reports a path that would leave its directory ("a path led outside of the
            // filesystem") as PermissionDenied without an OS error: that is WASI's ENOTCAPABLE.
            K::PermissionDenied => Errno::NOTCAPABLE,
            K::NotFound => Errno::NOENT,
            K::AlreadyExists => Errno::EXIST,
            K::InvalidInput | K::InvalidData => Errno::INVAL,
            K::Unsupported => Errno::NOTSUP,
            K::Interrupted => Errno::INTR,
            K::WouldBlock => Errno::AGAIN,
            K::BrokenPipe => Errno::PIPE,
            K::OutOfMemory => Errno::NOMEM,
            K::NotADirectory => Errno::NOTDIR,
            K::IsADirectory => Errno::ISDIR,
            K::DirectoryNotEmpty => Errno::NOTEMPTY,
            _ => Errno::IO,
        }
    }
}

impl From<rustix::io::Errno> for Errno {
    fn from(e: rustix::io::Errno) -> Errno {
        Errno::from_host(e.raw_os_error())
    }
}

pub type WasiResult<T> = Result<T, Errno>;

// filetype
pub const FILETYPE_UNKNOWN: u8 = 0;
pub const FILETYPE_BLOCK_DEVICE: u8 = 1;
pub const FILETYPE_CHARACTER_DEVICE: u8 = 2;
pub const FILETYPE_DIRECTORY: u8 = 3;
pub const FILETYPE_REGULAR_FILE: u8 = 4;
pub const FILETYPE_SOCKET_DGRAM: u8 = 5;
pub const FILETYPE_SOCKET_STREAM: u8 = 6;
pub const FILETYPE_SYMBOLIC_LINK: u8 = 7;

// fdflags
pub const FDFLAGS_APPEND: u16 = 1 << 0;
pub const FDFLAGS_DSYNC: u16 = 1 << 1;
pub const FDFLAGS_NONBLOCK: u16 = 1 << 2;
pub const FDFLAGS_RSYNC: u16 = 1 << 3;
pub const FDFLAGS_SYNC: u16 = 1 << 4;

// oflags
pub const OFLAGS_CREAT: u16 = 1 << 0;
pub const OFLAGS_DIRECTORY: u16 = 1 << 1;
pub const OFLAGS_EXCL: u16 = 1 << 2;
pub const OFLAGS_TRUNC: u16 = 1 << 3;

// lookupflags
pub const LOOKUPFLAGS_SYMLINK_FOLLOW: u32 = 1 << 0;

// fstflags
pub const FSTFLAGS_ATIM: u16 = 1 << 0;
pub const FSTFLAGS_ATIM_NOW: u16 = 1 << 1;
pub const FSTFLAGS_MTIM: u16 = 1 << 2;
pub const FSTFLAGS_MTIM_NOW: u16 = 1 << 3;

// whence
pub const WHENCE_SET: u8 = 0;
pub const WHENCE_CUR: u8 = 1;
pub const WHENCE_END: u8 = 2;

// clockid
pub const CLOCK_REALTIME: u32 = 0;
pub const CLOCK_MONOTONIC: u32 = 1;
pub const CLOCK_PROCESS_CPUTIME: u32 = 2;
pub const CLOCK_THREAD_CPUTIME: u32 = 3;

// eventtype, subclockflags, eventrwflags
pub const EVENTTYPE_CLOCK: u8 = 0;
pub const EVENTTYPE_FD_READ: u8 = 1;
pub const EVENTTYPE_FD_WRITE: u8 = 2;
pub const SUBCLOCKFLAGS_ABSTIME: u16 = 1 << 0;
pub const EVENTRWFLAGS_HANGUP: u16 = 1 << 0;

// advice
pub const ADVICE_NORMAL: u8 = 0;
pub const ADVICE_SEQUENTIAL: u8 = 1;
pub const ADVICE_RANDOM: u8 = 2;
pub const ADVICE_WILLNEED: u8 = 3;
pub const ADVICE_DONTNEED: u8 = 4;
pub const ADVICE_NOREUSE: u8 = 5;

/// `rights` bits.
pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub const SOCK_ACCEPT: u64 = 1 << 29;

    /// Every right a regular file can use.
    pub const FILE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;
    /// Every right a directory can use (on itself and by `path_*` inside it).
    pub const DIR: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_DATASYNC
        | FD_ADVISE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE
        | POLL_FD_READWRITE;
    /// Rights of the standard streams (no seek/tell, so `isatty` works as in wasi-libc).
    pub const STDIO: u64 = FD_READ
        | FD_WRITE
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_DATASYNC
        | FD_FILESTAT_GET
        | FD_ADVISE
        | POLL_FD_READWRITE;
    /// Every defined right.
    pub const ALL: u64 = (1 << 30) - 1;
}

/// `filestat`: 64 bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

impl Filestat {
    pub const SIZE: u32 = 64;
    pub fn encode(&self) -> [u8; 64] {
        let mut b = [0u8; 64];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype;
        b[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        b[32..40].copy_from_slice(&self.size.to_le_bytes());
        b[40..48].copy_from_slice(&self.atim.to_le_bytes());
        b[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        b[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        b
    }
}

/// `fdstat`: 24 bytes.
pub fn encode_fdstat(filetype: u8, flags: u16, base: u64, inheriting: u64) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[0] = filetype;
    b[2..4].copy_from_slice(&flags.to_le_bytes());
    b[8..16].copy_from_slice(&base.to_le_bytes());
    b[16..24].copy_from_slice(&inheriting.to_le_bytes());
    b
}

/// `dirent` header: 24 bytes, followed by the name (not NUL-terminated).
pub fn encode_dirent(next: u64, ino: u64, namlen: u32, filetype: u8) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[0..8].copy_from_slice(&next.to_le_bytes());
    b[8..16].copy_from_slice(&ino.to_le_bytes());
    b[16..20].copy_from_slice(&namlen.to_le_bytes());
    b[20] = filetype;
    b
}

/// `event`: 32 bytes.
pub fn encode_event(userdata: u64, error: Errno, ty: u8, nbytes: u64, flags: u16) -> [u8; 32] {
    let mut b = [0u8; 32];
    b[0..8].copy_from_slice(&userdata.to_le_bytes());
    b[8..10].copy_from_slice(&error.0.to_le_bytes());
    b[10] = ty;
    b[16..24].copy_from_slice(&nbytes.to_le_bytes());
    b[24..26].copy_from_slice(&flags.to_le_bytes());
    b
}

/// `subscription`: 48 bytes.
pub const SUBSCRIPTION_SIZE: u32 = 48;
pub const EVENT_SIZE: u32 = 32;
