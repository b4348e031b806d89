//! The thin binary: parse the command line, run the chosen command, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;
use teleinfo_exporter::cli::{Cli, Command, DecodeArgs};
use teleinfo_exporter::commands::decode::{self, Output};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Decode(args)) => run_decode(args),
        None => {
            eprintln!("error: no command given; try --help");
            ExitCode::from(2)
        }
    }
}

fn run_decode(args: DecodeArgs) -> ExitCode {
    let output = match (args.json, args.stats) {
        (true, _) => Output::Json,
        (_, true) => Output::Stats,
        _ => Output::Table,
    };
    let stdout = std::io::stdout().lock();
    let result = if args.input.as_os_str() == "-" {
        decode::run(std::io::stdin().lock(), stdout, output)
    } else {
        match std::fs::File::open(&args.input) {
            Ok(file) => decode::run(file, stdout, output),
            Err(e) => {
                eprintln!("error: cannot open {}: {e}", args.input.display());
                return ExitCode::from(2);
            }
        }
    };
    match result {
        Ok((stats, cooked)) => {
            if cooked {
                eprintln!(
                    "warning: CR arrived as LF and ETX never came: the tty is in cooked mode; \
                     set it raw (stty -F DEVICE raw) before capturing"
                );
            }
            eprintln!("{}", decode::summary_line(&stats));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.input.display());
            ExitCode::from(2)
        }
    }
}
