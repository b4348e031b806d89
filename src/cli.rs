//! Command-line types (clap). Nothing outside this file and `main` sees clap; [`ServeArgs`]
//! turns into a [`Config`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use std::ffi::OsString;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use teleinfo_exporter::config::{self, Config, ConfigError, ReplaySpeed, SourceConfig};
use teleinfo_exporter::cost::PriceBook;

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
        Every option can also be set in the environment (shown as [env: …]: TELEINFO_ and the \
        flag's name in capitals, dots and dashes as _); TELEINFO_SOURCE takes a \
        comma-separated list."
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

/// Shortest `--source.stale-after`: a historic frame takes up to about 2 s at 1200 Bd, and the meter
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
        env = "TELEINFO_WEB_LISTEN_ADDRESS",
        default_value = ":11798",
        value_parser = listen_address
    )]
    pub listen: ListenAddresses,

    /// A meter whose last frame (clean or with errors) is older than this is reported down
    /// (teleinfo_up 0) and its values leave /metrics. At least 5s.
    #[arg(long = "source.stale-after", id = "source_stale_after", alias = "stale-after",
          value_name = "DURATION", env = "TELEINFO_SOURCE_STALE_AFTER",
          default_value = "30s", value_parser = stale_after)]
    pub stale_after: Duration,

    /// A source that sends no byte for this long is considered lost and re-opened.
    #[arg(long = "source.timeout", id = "source_timeout", value_name = "DURATION",
          env = "TELEINFO_SOURCE_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub source_timeout: Duration,

    /// Pace of file: and - sources, as a multiple of the capture's line rate, or max.
    #[arg(
        long = "source.replay-speed",
        id = "source_replay_speed",
        alias = "replay-speed",
        value_name = "FACTOR|max",
        env = "TELEINFO_SOURCE_REPLAY_SPEED",
        default_value = "1"
    )]
    pub replay_speed: ReplaySpeed,

    /// Most HTTP connections served at once; more are closed at once.
    #[arg(long = "web.max-connections", id = "web_max_connections", value_name = "N",
          env = "TELEINFO_WEB_MAX_CONNECTIONS", default_value = "1024", value_parser = connections)]
    pub max_connections: usize,

    /// Time an HTTP client has to send its request headers.
    #[arg(long = "web.header-timeout", id = "web_header_timeout", value_name = "DURATION",
          env = "TELEINFO_WEB_HEADER_TIMEOUT", default_value = "10s", value_parser = duration)]
    pub header_timeout: Duration,

    /// Prices of your contract (TOML; README, "What it costs", and examples/prices.toml):
    /// the cost of the energy drawn, per tariff period, and under the other options, is
    /// exported and shown on the page.
    #[arg(long = "prices", value_name = "FILE", env = "TELEINFO_PRICES")]
    pub prices: Option<PathBuf>,

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
            prices: match &self.prices {
                Some(path) => Some(Arc::new(PriceBook::load(path)?)),
                None => None,
            },
        })
    }
}

/// Environment variables named before the flags took node_exporter's `area.name` form, as
/// (argument id, flag, old name). They are still read, with a warning, so that an
/// `/etc/default/teleinfo-exporter` written for an earlier version keeps its settings; the
/// flags' old names are hidden aliases for the same reason.
const RENAMED_ENV: [(&str, &str, &str); 5] = [
    (
        "web_listen_address",
        "web.listen-address",
        "TELEINFO_LISTEN_ADDRESS",
    ),
    (
        "source_stale_after",
        "source.stale-after",
        "TELEINFO_STALE_AFTER",
    ),
    (
        "source_replay_speed",
        "source.replay-speed",
        "TELEINFO_REPLAY_SPEED",
    ),
    (
        "web_max_connections",
        "web.max-connections",
        "TELEINFO_MAX_CONNECTIONS",
    ),
    (
        "web_header_timeout",
        "web.header-timeout",
        "TELEINFO_HEADER_TIMEOUT",
    ),
];

/// The environment variable of a flag: `TELEINFO_` and the flag in capitals, `.` and `-` as
/// `_` (`--source.stale-after` → `TELEINFO_SOURCE_STALE_AFTER`).
pub fn env_name(flag: &str) -> String {
    format!("TELEINFO_{}", flag.to_uppercase().replace(['.', '-'], "_"))
}

/// What parsing the command line gave: the command, and one warning per old environment
/// variable that was used (to print before anything else).
#[derive(Debug)]
pub struct Parsed {
    pub cli: Result<Cli, clap::Error>,
    pub warnings: Vec<String>,
}

/// Parses `args`, reading the old environment variable names through `old_env` where the new
/// flag was given neither on the command line nor under its new name.
pub fn parse_from(args: Vec<OsString>, old_env: impl Fn(&str) -> Option<OsString>) -> Parsed {
    let matches = match Cli::command().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => {
            return Parsed {
                cli: Err(e),
                warnings: Vec::new(),
            };
        }
    };
    let mut args = args;
    let mut warnings = Vec::new();
    if let Some(serve) = serve_matches(&matches) {
        for (id, flag, old) in RENAMED_ENV {
            let defaulted = serve.value_source(id) == Some(ValueSource::DefaultValue);
            if let (true, Some(value)) = (defaulted, old_env(old)) {
                let mut arg = OsString::from(format!("--{flag}="));
                arg.push(value);
                args.push(arg);
                warnings.push(format!(
                    "warning: {old} is an old name, read as --{flag}; rename it {}",
                    env_name(flag)
                ));
            }
        }
    }
    let cli = if warnings.is_empty() {
        Cli::from_arg_matches(&matches)
    } else {
        Cli::try_parse_from(args)
    };
    Parsed { cli, warnings }
}

/// The matches of the serve options: the top level without a command, or `serve`'s.
fn serve_matches(matches: &ArgMatches) -> Option<&ArgMatches> {
    match matches.subcommand() {
        None => Some(matches),
        Some(("serve", serve)) => Some(serve),
        Some(_) => None,
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
        assert!(
            parse("--source.stale-after", "4s").is_err(),
            "below the floor"
        );
        assert_eq!(
            parse("--source.stale-after", "5s").unwrap().stale_after,
            SHORTEST_STALE_AFTER
        );
        for flag in [
            "--source.stale-after",
            "--source.timeout",
            "--web.header-timeout",
        ] {
            assert!(parse(flag, "2days").is_err(), "{flag} over a day");
            assert!(parse(flag, "0s").is_err(), "{flag} zero");
        }
        assert!(parse("--source.replay-speed", "1e-300").is_err());
    }

    #[test]
    fn old_flag_names_still_work() {
        let cli = Cli::try_parse_from([
            "t",
            "--source",
            "demo",
            "--stale-after",
            "1m",
            "--replay-speed",
            "max",
        ])
        .unwrap();
        assert_eq!(cli.serve.stale_after, Duration::from_secs(60));
        assert_eq!(cli.serve.replay_speed, ReplaySpeed::Max);
    }

    /// Every option's environment variable is derived from its flag, so a user who knows one
    /// knows the other.
    #[test]
    fn environment_names_are_derived_from_the_flags() {
        let command = Cli::command();
        let serve = command.find_subcommand("serve").unwrap();
        for arg in command.get_arguments().chain(serve.get_arguments()) {
            let (Some(flag), Some(env)) = (arg.get_long(), arg.get_env()) else {
                continue;
            };
            assert_eq!(env.to_str(), Some(env_name(flag).as_str()), "--{flag}");
        }
        for (id, flag, _) in RENAMED_ENV {
            let arg = command.get_arguments().find(|a| a.get_id() == id).unwrap();
            assert_eq!(arg.get_long(), Some(flag), "{id}");
        }
    }

    #[test]
    fn old_environment_names_are_read_with_a_warning() {
        let old = |name: &str| (name == "TELEINFO_STALE_AFTER").then(|| OsString::from("2m"));
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        let parsed = parse_from(args(&["t", "--source", "demo"]), old);
        assert_eq!(
            parsed.cli.unwrap().serve.stale_after,
            Duration::from_secs(120)
        );
        assert_eq!(parsed.warnings.len(), 1);
        assert!(
            parsed.warnings[0].contains("TELEINFO_SOURCE_STALE_AFTER"),
            "{:?}",
            parsed.warnings
        );
        // The command line wins, without a warning.
        let parsed = parse_from(
            args(&[
                "t",
                "serve",
                "--source",
                "demo",
                "--source.stale-after",
                "40s",
            ]),
            old,
        );
        assert_eq!(
            parsed.cli.unwrap().command.map(|c| match c {
                Command::Serve(s) => s.stale_after,
                _ => Duration::ZERO,
            }),
            Some(Duration::from_secs(40))
        );
        assert!(parsed.warnings.is_empty());
        // Other commands do not take the serve options.
        let parsed = parse_from(args(&["t", "decode", "-"]), old);
        assert!(parsed.cli.is_ok() && parsed.warnings.is_empty());
    }

    #[test]
    fn several_sources() {
        let cli =
            Cli::try_parse_from(["t", "-s", "a=demo", "--source", "b=demo:standard"]).unwrap();
        let names: Vec<_> = cli.serve.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
    }
}
