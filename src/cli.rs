//! Command-line types (clap). Nothing outside this file and `main` sees clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Prometheus exporter for the French electricity meter's tele-information output (TIC):
/// historic mode (1200 Bd) and Linky standard mode (9600 Bd), single- and three-phase.
#[derive(Debug, Parser)]
#[command(name = "teleinfo-exporter", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the frames of a capture file or of stdin, to check a line or a recording.
    Decode(DecodeArgs),
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// One JSON object per complete frame on stdout:
    /// {"mode":…,"groups":[{"label":…,"value":…}],"errors":N}.
    #[arg(long, conflicts_with = "stats")]
    pub json: bool,

    /// Print only the summary line (frames and error counts) on stderr.
    #[arg(long)]
    pub stats: bool,

    /// Capture file to read, or `-` for stdin.
    #[arg(value_name = "PATH|-", default_value = "-")]
    pub input: PathBuf,
}
