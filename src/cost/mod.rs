//! What the energy costs: the user's price file ([`prices`]) and each meter's cost account
//! ([`ledger`]), kept frame by frame from the meter's own per-period indexes, the only exact
//! source (docs/metrics.md, "Cost").

pub mod ledger;
pub mod prices;

pub use ledger::Ledger;
pub use prices::{Builtin, OptionId, PriceBook, PriceFileError};
