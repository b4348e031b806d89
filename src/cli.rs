//! Command-line types (clap). Nothing outside this file and `main` sees clap; [`ServeArgs`]
//! turns into a [`Config`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use teleinfo_exporter::config::{self, Config, ConfigError, ReplaySpeed, SourceConfig};

/// Prometheus exporter for the tele-information output (TIC) of French electricity meters:
/// Linky in historic (1200 Bd) or standard (9600 Bd) mode and older electronic meters,
/// single- and three-phase, consumers and producers.
///
/// Without a command, serves /metrics for the given sources.
#[derive(Debug, Parser)]
#[command(
    name = "teleinfo-exporter",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  \
        teleinfo-exporter --source demo\n  \
        teleinfo-exporter --source house=/dev/ttyAMA0@1200\n  \
        teleinfo-exporter --source /dev/serial/by-id/usb-FTDI_TINFO-1234-if00-port0 --source solar=tcp://192.168.1.20:2000\n  \
        teleinfo-exporter decode /dev/ttyAMA0\n  \
        teleinfo-exporter decode --json capture.bin\n\n\
        Every option can also be set in the environment (shown as [env: …]); \
        TELEINFO_SOURCE takes a comma-separated list."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the meters and serve /metrics (the default).
    Serve(ServeArgs),
    /// Print the frames of a capture file, of stdin or of a serial port, to check a line or a
    /// recording.
    Decode(DecodeArgs),
    /// Check a serial line: try 1200 and 9600 Bd, report what arrives and what to fix.
    Probe(ProbeArgs),
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The serial device, e.g. /dev/ttyAMA0 or /dev/serial/by-id/usb-FTDI_TINFO-…
    #[arg(value_name = "DEVICE")]
    pub device: PathBuf,

    /// Seconds to listen at each speed (a historic frame takes up to 2 s).
    #[arg(long, value_name = "N", default_value = "5", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub seconds: u64,
}

/// Log verbosity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// Longest duration any option takes: a day. Past that no option makes sense, and the bound
/// keeps every deadline computed from an option far from overflowing.
const LONGEST: Duration = Duration::from_secs(86_400);

fn duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("{e} (write durations like 30s, 2m, 500ms)"))?;
    if d.is_zero() {
        return Err("must be more than zero".to_owned());
    }
    if d > LONGEST {
        return Err("must be at most 1 day".to_owned());
    }
    Ok(d)
}

/// Shortest `--stale-after`: a historic frame takes up to about 2 s at 1200 Bd, and the meter
/// must survive one frame lost to noise without `teleinfo_up` flapping to 0.
pub const SHORTEST_STALE_AFTER: Duration = Duration::from_secs(5);

fn stale_after(s: &str) -> Result<Duration, String> {
    let d = duration(s)?;
    if d < SHORTEST_STALE_AFTER {
        return Err(format!(
            "must be at least {}s: a historic frame takes up to 2 s, and one frame lost to \
             noise must not turn teleinfo_up to 0",
            SHORTEST_STALE_AFTER.as_secs()
        ));
    }
    Ok(d)
}

/// The addresses one `--web.listen-address` value resolves to (a host name may give several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddresses(pub Vec<SocketAddr>);

fn listen_address(s: &str) -> Result<ListenAddresses, ConfigError> {
    config::parse_listen_address(s).map(ListenAddresses)
}

fn connections(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
        _ => Err("must be a number from 1 to 1000000".to_owned()),
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// A meter to read, as [NAME=]SPEC; repeat for several meters. SPEC is a serial device
    /// (/dev/ttyAMA0, /dev/serial/by-id/…, optionally @1200 or @9600, else detected),
    /// tcp://HOST:PORT (ser2net, ESP-Link), file:PATH or - (replay a capture), or a simulated
    /// meter: demo, demo:historic, demo:historic-tri, demo:standard, demo:standard-tri,
    /// demo:producer (add ?noise=0.01 for line noise, ?overload=60s to signal an overload for
    /// that long from start-up and test the alert; combine with &). NAME is the `meter` label
    /// (default: the device or file name, or demo).
    #[arg(
        short,
        long = "source",
        value_name = "[NAME=]SPEC",
        env = "TELEINFO_SOURCE",
        value_delimiter = ','
    )]
    pub sources: Vec<SourceConfig>,

    /// Address to serve /metrics on; an empty host means all IPv4 interfaces.
    #[arg(
        long = "web.listen-address",
        id = "web_listen_address",
        value_name = "[HOST]:PORT",
        env = "TELEINFO_LISTEN_ADDRESS",
        default_value = ":11798",
        value_parser = listen_address
    )]
    pub listen: ListenAddresses,

    /// A meter whose last frame (clean or with errors) is older than this is reported down
    /// (teleinfo_up 0) and its values leave /metrics. At least 5s.
    #[arg(long = "stale-after", value_name = "DURATION", env = "TELEINFO_STALE_AFTER",
          default_value = "30s", value_parser = stale_after)]
    pub stale_after: Duration,

    /// A source that sends no byte for this long is considered lost and re-opened.
    #[arg(long = "source.timeout", id = "source_timeout", value_name = "DURATION",
          env = "TELEINFO_SOURCE_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub source_timeout: Duration,

    /// Pace of file: and - sources, as a multiple of the capture's line rate, or max.
    #[arg(
        long = "replay-speed",
        value_name = "FACTOR|max",
        env = "TELEINFO_REPLAY_SPEED",
        default_value = "1"
    )]
    pub replay_speed: ReplaySpeed,

    /// Most HTTP connections served at once; more are closed at once.
    #[arg(long = "web.max-connections", id = "web_max_connections", value_name = "N",
          env = "TELEINFO_MAX_CONNECTIONS", default_value = "1024", value_parser = connections)]
    pub max_connections: usize,

    /// Time an HTTP client has to send its request headers.
    #[arg(long = "web.header-timeout", id = "web_header_timeout", value_name = "DURATION",
          env = "TELEINFO_HEADER_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,

    /// Log level (logs go to stderr). Without it, RUST_LOG is used if set, else info.
    #[arg(
        long = "log.level",
        id = "log_level",
        value_name = "LEVEL",
        env = "TELEINFO_LOG_LEVEL"
    )]
    pub log_level: Option<LogLevel>,
}

impl ServeArgs {
    /// The validated configuration.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        config::check_sources(&self.sources)?;
        Ok(Config {
            sources: self.sources,
            listen: self.listen.0,
            stale_after: self.stale_after,
            read_timeout: self.source_timeout,
            replay_speed: self.replay_speed,
            max_connections: self.max_connections,
            header_timeout: self.header_timeout,
        })
    }
}

/// A speed for `decode --speed`.
fn decode_speed(s: &str) -> Result<u32, ConfigError> {
    teleinfo_exporter::commands::decode::speed(s)
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// One JSON object per frame (clean or with errors) on stdout:
    /// {"mode":…,"groups":[{"label":…,"value":…}],"errors":N}.
    #[arg(long, conflicts_with = "stats")]
    pub json: bool,

    /// Print only the summary line (frame and error counts) on stderr.
    #[arg(long)]
    pub stats: bool,

    /// Speed of a serial device, 1200 (historic mode) or 9600 (standard mode); the same as
    /// DEVICE@SPEED. Without it, both are tried.
    #[arg(long, value_name = "BAUD", value_parser = decode_speed)]
    pub speed: Option<u32>,

    /// A capture file, `-` for stdin, or a serial device (`DEVICE[@1200|@9600]`), which is opened
    /// 7E1 raw like `serve` does and read until Ctrl-C.
    #[arg(value_name = "PATH|-|DEVICE", default_value = "-")]
    pub input: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn listen_address_is_a_list_of_one_value() {
        let cli = Cli::try_parse_from([
            "t",
            "--source",
            "demo",
            "--web.listen-address",
            "127.0.0.1:9999",
        ])
        .unwrap();
        assert_eq!(
            cli.serve.listen.0,
            vec!["127.0.0.1:9999".parse::<SocketAddr>().unwrap()]
        );
    }

    #[test]
    fn durations_are_bounded() {
        let parse = |flag: &str, v: &str| {
            Cli::try_parse_from(["t", "--source", "demo", flag, v]).map(|c| c.serve)
        };
        assert!(parse("--stale-after", "4s").is_err(), "below the floor");
        assert_eq!(
            parse("--stale-after", "5s").unwrap().stale_after,
            SHORTEST_STALE_AFTER
        );
        for flag in ["--stale-after", "--source.timeout", "--web.header-timeout"] {
            assert!(parse(flag, "2days").is_err(), "{flag} over a day");
            assert!(parse(flag, "0s").is_err(), "{flag} zero");
        }
        assert!(parse("--replay-speed", "1e-300").is_err());
    }

    #[test]
    fn several_sources() {
        let cli =
            Cli::try_parse_from(["t", "-s", "a=demo", "--source", "b=demo:standard"]).unwrap();
        let names: Vec<_> = cli.serve.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
    }
}
