//! One authenticated RESP connection: handshake (`HELLO 3 AUTH`, falling back to RESP2 `AUTH`),
//! and request/reply exchange where all requests are written while replies are read, so a
//! pipeline of any length cannot deadlock on full socket buffers.

use bytes::{Bytes, BytesMut};
use kuber_protocol::{Frame, Limits, ProtocolVersion, decode_frame, encode_command};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::config::ClientConfig;
use crate::error::{Error, Result};

/// An open, authenticated connection and the region it has selected.
pub(crate) struct Connection {
    stream: TcpStream,
    read_buf: BytesMut,
    write_buf: BytesMut,
    limits: Limits,
    /// Region this connection's server side currently has selected.
    pub(crate) region: String,
    /// The dialect agreed in the handshake.
    pub(crate) protocol: ProtocolVersion,
}

impl Connection {
    /// Connects, negotiates RESP3 if the server offers it, and authenticates, within the
    /// config's connect timeout.
    pub(crate) async fn open(config: &ClientConfig) -> Result<Connection> {
        let addr = (config.host.as_str(), config.port);
        let deadline = config.connect_timeout;
        let fut = async {
            let stream = TcpStream::connect(addr).await.map_err(|e| {
                Error::io(&format!("connect to {}:{}", config.host, config.port), e)
            })?;
            stream
                .set_nodelay(true)
                .map_err(|e| Error::io("set TCP_NODELAY", e))?;
            let mut conn = Connection {
                stream,
                read_buf: BytesMut::with_capacity(16 * 1024),
                write_buf: BytesMut::with_capacity(16 * 1024),
                limits: Limits::default(),
                region: "default".to_owned(),
                protocol: ProtocolVersion::Resp2,
            };
            conn.handshake(config).await?;
            Ok(conn)
        };
        tokio::time::timeout(deadline, fut).await.map_err(|_| {
            Error::timeout(format!(
                "connecting to {}:{} took longer than {:?}",
                config.host, config.port, deadline
            ))
        })?
    }

    async fn handshake(&mut self, config: &ClientConfig) -> Result<()> {
        let user = config.username.as_bytes();
        let pass = config.password.as_bytes();
        let hello: [&[u8]; 5] = [b"HELLO", b"3", b"AUTH", user, pass];
        let reply = self
            .exchange(&[Command::from_slices(&hello)])
            .await?
            .remove(0);
        match reply {
            Frame::Error(text) if is_auth_failure(&text) => Err(Error::from_reply(&text)),
            // A server without HELLO or without RESP3 (`NOPROTO`): plain RESP2 `AUTH`.
            Frame::Error(_) => {
                let auth: [&[u8]; 3] = [b"AUTH", user, pass];
                match self
                    .exchange(&[Command::from_slices(&auth)])
                    .await?
                    .remove(0)
                {
                    Frame::Error(text) => Err(Error::from_reply(&text)),
                    _ => Ok(()),
                }
            }
            Frame::Map(_) => {
                self.protocol = ProtocolVersion::Resp3;
                Ok(())
            }
            // A RESP2 server answering HELLO 3 with its RESP2 array form is not speaking RESP3.
            _ => Ok(()),
        }
    }

    /// Sends every command and reads one reply per command. Error replies are returned as
    /// `Frame::Error`; only I/O and protocol faults are `Err`.
    pub(crate) async fn exchange(&mut self, commands: &[Command]) -> Result<Vec<Frame>> {
        self.write_buf.clear();
        let mut args: Vec<&[u8]> = Vec::new();
        for cmd in commands {
            args.clear();
            args.extend(cmd.0.iter().map(|a| a.as_ref()));
            encode_command(&args, &mut self.write_buf);
        }
        let (mut reader, mut writer) = self.stream.split();
        let out = &self.write_buf[..];
        let write = async {
            writer
                .write_all(out)
                .await
                .map_err(|e| Error::io("write to server", e))
        };
        let read_buf = &mut self.read_buf;
        let limits = &self.limits;
        let read = async {
            let mut replies = Vec::with_capacity(commands.len());
            while replies.len() < commands.len() {
                match decode_frame(read_buf, limits)
                    .map_err(|e| Error::protocol(format!("bad reply from server: {e}")))?
                {
                    // Out-of-band messages (RESP3 pushes) answer no request.
                    Some(Frame::Push(_)) => {}
                    Some(frame) => replies.push(frame),
                    None => {
                        // Frames split off the front keep the old allocation alive; make room for a
                        // full-sized read rather than the small top-up BytesMut would offer.
                        if read_buf.capacity() - read_buf.len() < 4096 {
                            read_buf.reserve(16 * 1024);
                        }
                        let n = reader
                            .read_buf(read_buf)
                            .await
                            .map_err(|e| Error::io("read from server", e))?;
                        if n == 0 {
                            return Err(Error::new(
                                crate::ErrorKind::Connection,
                                "server closed the connection",
                            ));
                        }
                    }
                }
            }
            Ok(replies)
        };
        let ((), replies) = tokio::try_join!(write, read)?;
        Ok(replies)
    }
}

fn is_auth_failure(text: &[u8]) -> bool {
    text.starts_with(b"WRONGPASS") || text.starts_with(b"NOPERM") || text.starts_with(b"NOAUTH")
}

/// One command: its arguments, the name first.
#[derive(Clone, Debug, PartialEq)]
pub struct Command(pub(crate) Vec<Bytes>);

impl Command {
    /// A command from its arguments, e.g. `Command::new(["SET", "k", "v"])`.
    pub fn new<I, A>(args: I) -> Command
    where
        I: IntoIterator<Item = A>,
        A: AsRef<[u8]>,
    {
        Command(
            args.into_iter()
                .map(|a| Bytes::copy_from_slice(a.as_ref()))
                .collect(),
        )
    }

    /// A command from arguments that are already `Bytes` (no copy: slices of one buffer stay
    /// slices of it).
    pub fn from_bytes(args: Vec<Bytes>) -> Command {
        Command(args)
    }

    pub(crate) fn from_slices(args: &[&[u8]]) -> Command {
        Command::new(args.iter().copied())
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl AsRef<[u8]>) -> Command {
        self.0.push(Bytes::copy_from_slice(arg.as_ref()));
        self
    }

    /// The arguments.
    pub fn args(&self) -> &[Bytes] {
        &self.0
    }
}
