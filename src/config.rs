//! What to read, where to listen, and the limits: the validated form of the command line.
//!
//! `cli.rs` turns clap's types into a [`Config`]; everything here is plain data that the
//! rest of the program (and the tests) can build without clap.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// The whole configuration of the `serve` command.
#[derive(Debug, Clone)]
pub struct Config {
    pub sources: Vec<SourceConfig>,
    pub listen: Vec<std::net::SocketAddr>,
    /// A meter whose last frame is older than this is down and its values are not exported.
    pub stale_after: Duration,
    /// A source that delivers no byte for this long is considered lost and re-opened.
    pub read_timeout: Duration,
    /// Pace of `file:` and `-` sources.
    pub replay_speed: ReplaySpeed,
    /// Most HTTP connections served at once.
    pub max_connections: usize,
    /// Time a client has to send its request headers.
    pub header_timeout: Duration,
    /// The user's prices (`--prices`): every meter keeps its cost account with them.
    pub prices: Option<std::sync::Arc<crate::cost::PriceBook>>,
}

/// One meter: its name (the `meter` label) and where its bytes come from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    pub name: String,
    pub spec: SourceSpec,
}

/// Where the bytes of a meter come from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    /// A serial device, at a fixed speed or detected (1200 or 9600 Bd, 7E1).
    Serial { path: PathBuf, baud: Option<u32> },
    /// A raw TCP byte stream (ser2net, ESP-Link, a dongle on another host).
    Tcp { host: String, port: u16 },
    /// A capture file, replayed at the line rate of its mode (or faster).
    File(PathBuf),
    /// A capture on standard input.
    Stdin,
    /// The built-in simulated meter.
    Demo(DemoSpec),
}

/// The simulated meters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoKind {
    /// Single-phase historic meter, HC option.
    Historic,
    /// Three-phase historic meter, Base option, with short frames during overloads.
    HistoricTri,
    /// Single-phase Linky in standard mode, HP/HC.
    Standard,
    /// Three-phase Linky in standard mode, Tempo.
    StandardTri,
    /// Single-phase Linky in standard mode with solar production.
    Producer,
}

impl DemoKind {
    /// The name used after `demo:`.
    pub fn as_str(self) -> &'static str {
        match self {
            DemoKind::Historic => "historic",
            DemoKind::HistoricTri => "historic-tri",
            DemoKind::Standard => "standard",
            DemoKind::StandardTri => "standard-tri",
            DemoKind::Producer => "producer",
        }
    }

    /// Every kind, in the order `mix` of examples/tic_simulator.rs cycles through them.
    pub const ALL: [DemoKind; 5] = [
        DemoKind::Historic,
        DemoKind::HistoricTri,
        DemoKind::Standard,
        DemoKind::StandardTri,
        DemoKind::Producer,
    ];
}

/// A simulated meter and its line noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoSpec {
    pub kind: DemoKind,
    /// Probability that a byte is corrupted, 0 to 1.
    pub noise: f64,
    /// Signal an overload for this long from the moment the source opens (`overload=60s`),
    /// so that an operator can see the alert path fire and resolve without a real meter.
    pub overload: Option<Duration>,
}

impl DemoSpec {
    /// Longest `overload=`: a day, like the other durations; an alert test needs minutes.
    pub const LONGEST_OVERLOAD: Duration = Duration::from_secs(86_400);
}

/// How fast captures are replayed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReplaySpeed {
    /// A multiple of the line rate of the capture's mode.
    Factor(f64),
    /// As fast as the exporter can decode.
    Max,
}

/// A value on the command line that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "{0:?} is not a source: expected a device path (/dev/ttyAMA0[@1200|@9600]), tcp://HOST:PORT, file:PATH, -, or demo[:KIND]"
    )]
    UnknownSource(String),
    #[error("speed {0:?} is not 1200 or 9600 (historic mode is 1200 Bd, standard mode 9600 Bd)")]
    BadSpeed(String),
    #[error("{0:?} is not HOST:PORT with a port number")]
    BadTcpAddress(String),
    #[error(
        "unknown demo meter {0:?}; try one of: historic, historic-tri, standard, standard-tri, producer"
    )]
    UnknownDemo(String),
    #[error(
        "bad demo option {0:?}; the options are noise=P with P between 0 and 1, and overload=DURATION from 1s to 1 day (e.g. overload=60s)"
    )]
    BadDemoOption(String),
    #[error("meter name {0:?} must be 1-64 characters among letters, digits, '.', '_' and '-'")]
    BadName(String),
    #[error(
        "replay speed {0:?} is not a number from {min} to {max} or \"max\" (the pace of a capture as a multiple of its line rate)",
        min = ReplaySpeed::MIN,
        max = ReplaySpeed::MAX
    )]
    BadReplaySpeed(String),
    #[error("{0:?} is a regular file, not a serial device: to replay a capture, write file:{0}")]
    FileAsDevice(String),
    #[error("two sources are named {0:?}; give each one a name with NAME=SPEC")]
    DuplicateName(String),
    #[error("no source given: use --source (e.g. --source /dev/ttyAMA0 or --source demo)")]
    NoSource,
    #[error("cannot listen on {0:?}: expected [HOST]:PORT")]
    BadListenAddress(String),
    /// A price file that cannot be read or has a mistake: the message names its line and
    /// field.
    #[error("invalid '--prices' file: {0}")]
    Prices(#[from] crate::cost::PriceFileError),
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl FromStr for SourceSpec {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, ConfigError> {
        if s == "-" {
            return Ok(SourceSpec::Stdin);
        }
        if let Some(rest) = s.strip_prefix("tcp://") {
            let bad = || ConfigError::BadTcpAddress(rest.to_owned());
            let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let port: u16 = port.parse().map_err(|_| bad())?;
            if host.is_empty() || port == 0 {
                return Err(bad());
            }
            return Ok(SourceSpec::Tcp {
                host: host.to_owned(),
                port,
            });
        }
        if let Some(path) = s.strip_prefix("file:") {
            if path.is_empty() {
                return Err(ConfigError::UnknownSource(s.to_owned()));
            }
            return Ok(SourceSpec::File(PathBuf::from(path)));
        }
        if s == "demo" || s.starts_with("demo:") || s.starts_with("demo?") {
            return parse_demo(s).map(SourceSpec::Demo);
        }
        if is_regular_file(s) {
            return Err(ConfigError::FileAsDevice(s.to_owned()));
        }
        if s.starts_with('/') {
            let (path, baud) = match s.rsplit_once('@') {
                Some((path, speed)) => {
                    let baud = match speed {
                        "1200" => 1200,
                        "9600" => 9600,
                        _ => return Err(ConfigError::BadSpeed(speed.to_owned())),
                    };
                    (path, Some(baud))
                }
                None => (s, None),
            };
            return Ok(SourceSpec::Serial {
                path: PathBuf::from(path),
                baud,
            });
        }
        Err(ConfigError::UnknownSource(s.to_owned()))
    }
}

/// A capture given where a device is expected (with or without a speed suffix): opening it
/// as a serial port would fail forever with "Not a typewriter".
fn is_regular_file(s: &str) -> bool {
    let path = s.rsplit_once('@').map_or(s, |(path, _)| path);
    [s, path]
        .iter()
        .any(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
}

fn parse_demo(s: &str) -> Result<DemoSpec, ConfigError> {
    let rest = s.strip_prefix("demo").unwrap_or(s);
    let (kind, options) = match rest.split_once('?') {
        Some((kind, options)) => (kind, Some(options)),
        None => (rest, None),
    };
    let kind = match kind.strip_prefix(':').unwrap_or(kind) {
        "" => DemoKind::Historic,
        name => DemoKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| ConfigError::UnknownDemo(name.to_owned()))?,
    };
    let mut noise = 0.0;
    let mut overload = None;
    for option in options.into_iter().flat_map(|o| o.split('&')) {
        let bad = || ConfigError::BadDemoOption(option.to_owned());
        if let Some(value) = option.strip_prefix("overload=") {
            let d = humantime::parse_duration(value).map_err(|_| bad())?;
            if d < Duration::from_secs(1) || d > DemoSpec::LONGEST_OVERLOAD {
                return Err(bad());
            }
            overload = Some(d);
            continue;
        }
        let value = option.strip_prefix("noise=").ok_or_else(bad)?;
        noise = value.parse::<f64>().map_err(|_| bad())?;
        if !(0.0..=1.0).contains(&noise) {
            return Err(bad());
        }
    }
    Ok(DemoSpec {
        kind,
        noise,
        overload,
    })
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Serial { path, baud: None } => write!(f, "{}", path.display()),
            SourceSpec::Serial {
                path,
                baud: Some(b),
            } => write!(f, "{}@{b}", path.display()),
            SourceSpec::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            SourceSpec::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            SourceSpec::File(path) => write!(f, "file:{}", path.display()),
            SourceSpec::Stdin => f.write_str("-"),
            SourceSpec::Demo(d) => {
                write!(f, "demo:{}", d.kind.as_str())?;
                let mut sep = '?';
                if d.noise > 0.0 {
                    write!(f, "{sep}noise={}", d.noise)?;
                    sep = '&';
                }
                if let Some(o) = d.overload {
                    write!(f, "{sep}overload={}", humantime::format_duration(o))?;
                }
                Ok(())
            }
        }
    }
}

impl SourceSpec {
    /// The meter name used when none is given: the device or file name, `HOST:PORT`,
    /// `stdin`, `demo` or `demo-KIND`.
    pub fn default_name(&self) -> String {
        let file_name = |p: &PathBuf| {
            p.file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "meter".to_owned())
        };
        let raw = match self {
            SourceSpec::Serial { path, .. } => file_name(path),
            SourceSpec::Tcp { host, port } => format!("{host}-{port}"),
            SourceSpec::File(path) => file_name(path),
            SourceSpec::Stdin => "stdin".to_owned(),
            SourceSpec::Demo(d) if d.kind == DemoKind::Historic => "demo".to_owned(),
            SourceSpec::Demo(d) => format!("demo-{}", d.kind.as_str()),
        };
        // Keep it a clean label value: anything unusual becomes '_'.
        let name: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        if name.is_empty() {
            "meter".to_owned()
        } else {
            name
        }
    }
}

impl FromStr for SourceConfig {
    type Err = ConfigError;

    /// `[NAME=]SPEC`. The part before the first `=` is a name only if it looks like one, so
    /// `demo:historic?noise=0.01` is a spec, not a name.
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        if let Some((name, spec)) = s.split_once('=') {
            let looks_like_name = !name.contains(['/', ':', '?', '@']) && !name.is_empty();
            if looks_like_name {
                if !valid_name(name) {
                    return Err(ConfigError::BadName(name.to_owned()));
                }
                return Ok(SourceConfig {
                    name: name.to_owned(),
                    spec: spec.parse()?,
                });
            }
        }
        let spec: SourceSpec = s.parse()?;
        Ok(SourceConfig {
            name: spec.default_name(),
            spec,
        })
    }
}

impl ReplaySpeed {
    /// Slowest factor: a hundred times slower than the meter, to watch frames one by one.
    pub const MIN: f64 = 0.01;
    /// Fastest factor: a day of a historic capture in under ten seconds; beyond, use `max`.
    /// The bounds keep every pacing deadline a representable duration.
    pub const MAX: f64 = 10_000.0;
}

impl FromStr for ReplaySpeed {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, ConfigError> {
        if s == "max" {
            return Ok(ReplaySpeed::Max);
        }
        match s.parse::<f64>() {
            Ok(f) if (Self::MIN..=Self::MAX).contains(&f) => Ok(ReplaySpeed::Factor(f)),
            _ => Err(ConfigError::BadReplaySpeed(s.to_owned())),
        }
    }
}

/// Checks what single values cannot: at least one source, unique names.
pub fn check_sources(sources: &[SourceConfig]) -> Result<(), ConfigError> {
    if sources.is_empty() {
        return Err(ConfigError::NoSource);
    }
    for (i, s) in sources.iter().enumerate() {
        if sources[..i].iter().any(|o| o.name == s.name) {
            return Err(ConfigError::DuplicateName(s.name.clone()));
        }
    }
    Ok(())
}

/// `[HOST]:PORT` → addresses to bind. An empty host means every IPv4 interface.
pub fn parse_listen_address(s: &str) -> Result<Vec<std::net::SocketAddr>, ConfigError> {
    use std::net::ToSocketAddrs;
    let bad = || ConfigError::BadListenAddress(s.to_owned());
    let (host, port) = s.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = if host.is_empty() { "0.0.0.0" } else { host };
    let addrs: Vec<_> = (host, port).to_socket_addrs().map_err(|_| bad())?.collect();
    if addrs.is_empty() {
        Err(bad())
    } else {
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(s: &str) -> Result<SourceConfig, ConfigError> {
        s.parse()
    }

    #[test]
    fn device_paths_with_and_without_speed() {
        assert_eq!(
            src("/dev/ttyAMA0").unwrap(),
            SourceConfig {
                name: "ttyAMA0".into(),
                spec: SourceSpec::Serial {
                    path: "/dev/ttyAMA0".into(),
                    baud: None
                }
            }
        );
        assert_eq!(
            src("house=/dev/serial/by-id/usb-FTDI_TINFO-1234-if00-port0@9600").unwrap(),
            SourceConfig {
                name: "house".into(),
                spec: SourceSpec::Serial {
                    path: "/dev/serial/by-id/usb-FTDI_TINFO-1234-if00-port0".into(),
                    baud: Some(9600)
                }
            }
        );
        assert_eq!(
            src("/dev/ttyUSB0@4800"),
            Err(ConfigError::BadSpeed("4800".into()))
        );
    }

    #[test]
    fn tcp_file_stdin_and_demo() {
        assert_eq!(
            src("tcp://192.168.1.20:2000").unwrap().spec,
            SourceSpec::Tcp {
                host: "192.168.1.20".into(),
                port: 2000
            }
        );
        assert_eq!(
            src("tcp://[::1]:2000").unwrap().spec.to_string(),
            "tcp://[::1]:2000"
        );
        assert_eq!(
            src("tcp://host").unwrap_err(),
            ConfigError::BadTcpAddress("host".into())
        );
        assert_eq!(
            src("tcp://host:0").unwrap_err(),
            ConfigError::BadTcpAddress("host:0".into())
        );
        assert_eq!(
            src("file:caps/a.bin").unwrap(),
            SourceConfig {
                name: "a".into(),
                spec: SourceSpec::File("caps/a.bin".into())
            }
        );
        assert_eq!(src("-").unwrap().name, "stdin");
        assert_eq!(
            src("demo").unwrap(),
            SourceConfig {
                name: "demo".into(),
                spec: SourceSpec::Demo(DemoSpec {
                    kind: DemoKind::Historic,
                    noise: 0.0,
                    overload: None
                })
            }
        );
        let noisy = src("demo:standard-tri?noise=0.01").unwrap();
        assert_eq!(noisy.name, "demo-standard-tri");
        assert_eq!(
            noisy.spec,
            SourceSpec::Demo(DemoSpec {
                kind: DemoKind::StandardTri,
                noise: 0.01,
                overload: None
            })
        );
        assert_eq!(noisy.spec.to_string(), "demo:standard-tri?noise=0.01");
        assert_eq!(src("solar=demo:producer").unwrap().name, "solar");
        assert!(matches!(src("demo:gas"), Err(ConfigError::UnknownDemo(_))));
        assert!(matches!(
            src("demo:historic?noise=2"),
            Err(ConfigError::BadDemoOption(_))
        ));
        assert!(matches!(
            src("demo?volume=3"),
            Err(ConfigError::BadDemoOption(_))
        ));
    }

    #[test]
    fn demo_overload_option() {
        let spec = |s: &str| match src(s).unwrap().spec {
            SourceSpec::Demo(d) => d,
            other => panic!("{other:?}"),
        };
        let d = spec("demo?overload=60s");
        assert_eq!(
            (d.kind, d.noise, d.overload),
            (DemoKind::Historic, 0.0, Some(Duration::from_secs(60)))
        );
        let d = spec("demo:standard?noise=0.01&overload=2m");
        assert_eq!(
            (d.kind, d.noise, d.overload),
            (DemoKind::Standard, 0.01, Some(Duration::from_secs(120)))
        );
        // Shown as given, so that the page and the logs say the overload was asked for.
        assert_eq!(
            src("demo:standard?noise=0.01&overload=2m")
                .unwrap()
                .spec
                .to_string(),
            "demo:standard?noise=0.01&overload=2m"
        );
        assert_eq!(
            src("demo?overload=90s").unwrap().spec.to_string(),
            "demo:historic?overload=1m 30s"
        );
        for bad in [
            "overload=",
            "overload=soon",
            "overload=0s",
            "overload=500ms",
            "overload=2days",
        ] {
            assert_eq!(
                src(&format!("demo?{bad}")),
                Err(ConfigError::BadDemoOption(bad.to_owned())),
                "{bad}"
            );
        }
        let message = ConfigError::BadDemoOption("overload=soon".into()).to_string();
        assert!(
            message.contains("\"overload=soon\"") && message.contains("overload=DURATION"),
            "{message}"
        );
    }

    #[test]
    fn a_regular_file_given_as_a_device_is_refused_with_the_file_hint() {
        let capture = tempfile::NamedTempFile::new().unwrap();
        let path = capture.path().to_str().unwrap().to_owned();
        for given in [path.clone(), format!("{path}@1200"), format!("home={path}")] {
            assert_eq!(
                src(&given),
                Err(ConfigError::FileAsDevice(
                    given.trim_start_matches("home=").to_owned()
                )),
                "{given}"
            );
        }
        let message = ConfigError::FileAsDevice(path.clone()).to_string();
        assert!(message.contains(&format!("file:{path}")), "{message}");
        // A relative path to a file (here, in the crate's directory) gets the same answer.
        let local = tempfile::NamedTempFile::new_in(".").unwrap();
        let relative = local.path().file_name().unwrap().to_str().unwrap();
        assert_eq!(
            src(relative),
            Err(ConfigError::FileAsDevice(relative.into()))
        );
        // A device that is not there yet (a dongle plugged in later) is still accepted.
        assert!(src("/dev/ttyTELEINFO-later").is_ok());
    }

    #[test]
    fn names_and_mistakes() {
        assert_eq!(
            src("ttyAMA0"),
            Err(ConfigError::UnknownSource("ttyAMA0".into()))
        );
        assert_eq!(
            src("my meter=demo"),
            Err(ConfigError::BadName("my meter".into()))
        );
        let dup = [src("a=demo").unwrap(), src("a=demo:standard").unwrap()];
        assert_eq!(
            check_sources(&dup),
            Err(ConfigError::DuplicateName("a".into()))
        );
        assert_eq!(check_sources(&[]), Err(ConfigError::NoSource));
    }

    #[test]
    fn replay_speed_and_listen_address() {
        assert_eq!("max".parse(), Ok(ReplaySpeed::Max));
        assert_eq!("2.5".parse(), Ok(ReplaySpeed::Factor(2.5)));
        for bad in ["0", "fast", "1e-300", "-1", "NaN", "inf", "1e6", "0.001"] {
            assert_eq!(
                bad.parse::<ReplaySpeed>(),
                Err(ConfigError::BadReplaySpeed(bad.into())),
                "{bad}"
            );
        }
        assert_eq!("0.01".parse(), Ok(ReplaySpeed::Factor(0.01)));
        assert_eq!("10000".parse(), Ok(ReplaySpeed::Factor(10_000.0)));
        assert_eq!(
            parse_listen_address(":11798").unwrap(),
            vec!["0.0.0.0:11798".parse().unwrap()]
        );
        assert_eq!(
            parse_listen_address("127.0.0.1:0").unwrap(),
            vec!["127.0.0.1:0".parse().unwrap()]
        );
        assert_eq!(
            parse_listen_address("[::1]:11798").unwrap(),
            vec!["[::1]:11798".parse().unwrap()]
        );
        assert!(parse_listen_address("11798").is_err());
        assert!(parse_listen_address(":http").is_err());
    }
}
