use super::*;

const EXAMPLE: &str = include_str!("../../../examples/prices.toml");

fn parse(text: &str) -> Result<PriceBook, Invalid> {
    PriceBook::parse(text, "prices.toml")
}

fn error(text: &str) -> Invalid {
    match parse(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

/// Unix time of a French local date and hour.
fn local(year: i64, month: u8, day: u8, hour: u8) -> i64 {
    local_hour_to_unix(Civil::days_from_civil(year, month, day), hour)
}

#[test]
fn the_shipped_example_reads_and_prices_every_option_it_has() {
    let book = parse(EXAMPLE).expect("examples/prices.toml");
    let at = local(2026, 6, 1, 12);
    assert_eq!(
        book.builtin_price(Builtin::Base, TariffPeriod::AllHours, at),
        Some(194_000)
    );
    for &(_, period) in Builtin::Tempo.periods() {
        assert!(
            book.builtin_price(Builtin::Tempo, period, at).is_some(),
            "{period:?}"
        );
    }
    assert_eq!(
        book.subscription(OptionId::Builtin(Builtin::Base), 6, at),
        Some(15.90)
    );
    // Nothing before the first row, and no EJP rows (only commented out).
    assert_eq!(
        book.builtin_price(
            Builtin::Base,
            TariffPeriod::AllHours,
            local(2026, 1, 31, 23)
        ),
        None
    );
    assert!(!book.has(OptionId::Builtin(Builtin::Ejp)));
}

#[test]
fn the_row_in_force_is_the_last_one_started_tempo_rows_at_six() {
    let book = parse(
        "[[base]]\nfrom = 2026-02-01\nbase = 0.20\n[[base]]\nfrom = 2026-08-01\nbase = 0.25\n\
         [[tempo]]\nfrom = 2026-02-01\nblue_hc = 0.1\nblue_hp = 0.2\nwhite_hc = 0.3\nwhite_hp = 0.4\nred_hc = 0.5\nred_hp = 0.6\n\
         [[tempo]]\nfrom = 2026-08-01\nblue_hc = 0.11\nblue_hp = 0.2\nwhite_hc = 0.3\nwhite_hp = 0.4\nred_hc = 0.5\nred_hp = 0.6\n",
    )
    .unwrap();
    let base = |t| book.builtin_price(Builtin::Base, TariffPeriod::AllHours, t);
    assert_eq!(base(local(2026, 7, 31, 23)), Some(200_000));
    assert_eq!(base(local(2026, 8, 1, 0)), Some(250_000));
    let blue_hc = TariffPeriod::Tempo {
        color: TempoColor::Blue,
        peak: false,
    };
    let tempo = |t| book.builtin_price(Builtin::Tempo, blue_hc, t);
    // The night of 1 August before 06:00 belongs to the Tempo day of 31 July.
    assert_eq!(tempo(local(2026, 8, 1, 5)), Some(100_000));
    assert_eq!(tempo(local(2026, 8, 1, 6)), Some(110_000));
    // Exactly one second before 06:00 French time (summer: 04:00 UTC).
    assert_eq!(tempo(local(2026, 8, 1, 6) - 1), Some(100_000));
}

/// Price files with one mistake each: the text, the line and field the error must name,
/// and words of its message.
const MISTAKES: &[(&str, usize, Option<&str>, &str)] = &[
    (
        "[[base]]\nfrom = 2026-02-01\nbase = -0.1\n",
        3,
        Some("base"),
        "from 0 to 10",
    ),
    (
        "[[base]]\nfrom = 2026-02-01\nbase = 19.40\n",
        3,
        Some("base"),
        "from 0 to 10",
    ),
    (
        "[[hphc]]\nfrom = 2026-02-01\nhc = 0.15\n",
        1,
        Some("hp"),
        "hc, hp",
    ),
    (
        "[[hphc]]\nfrom = 2026-02-01\nhc = 0.15\nhp = 0.2\nbase = 0.3\n",
        5,
        Some("base"),
        "not a period of hphc",
    ),
    (
        "[[base]]\nfrom = 2026-02-01T10:00:00\nbase = 0.2\n",
        2,
        Some("from"),
        "without time",
    ),
    (
        "[[base]]\nfrom = 2026-08-01\nbase = 0.2\n[[base]]\nfrom = 2026-02-01\nbase = 0.2\n",
        5,
        Some("from"),
        "date order",
    ),
    (
        "[[base]]\nfrom = 2026-02-01\nbase = 0.2\nsubscription = { 7.5 = 12 }\n",
        4,
        None,
        "",
    ),
    (
        "[[base]]\nfrom = 2026-02-01\nbase = 0.2\nsubscription = { 40 = 12 }\n",
        4,
        Some("subscription.40"),
        "1 to 36",
    ),
    (
        "[[base]]\nfrom = 2026-02-01\nbase = 0.2\n\n[meters]\nhouse = \"tempo\"\n",
        6,
        Some("meters.house"),
        "not an option",
    ),
    (
        "[[base]]\nfrom = 2026-02-01\nbsae = 0.2\n",
        3,
        None,
        "unknown field `bsae`",
    ),
    (
        "[[calendar]]\nname = \"x\"\nfrom = 2026-02-01\nindex = { EASF11 = 0.1 }\n",
        4,
        Some("index.EASF11"),
        "EASF01 to EASF10",
    ),
    (
        "[[calendar]]\nname = \"tempo\"\nfrom = 2026-02-01\nindex = { EASF01 = 0.1 }\n",
        2,
        Some("name"),
        "own name",
    ),
    ("# nothing\n", 1, None, "no prices"),
    ("[[base]\n", 1, None, ""),
];

#[test]
fn a_mistake_names_its_line_and_field() {
    for &(text, line, field, words) in MISTAKES {
        let e = error(text);
        assert_eq!(e.line, line, "{text}: {e}");
        if let Some(field) = field {
            assert_eq!(e.field.as_deref(), Some(field), "{text}: {e}");
        }
        assert!(e.to_string().contains(words), "{text}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("prices.toml, line {line}")),
            "{e}"
        );
    }
}

#[test]
fn prices_keep_six_decimals_exactly() {
    let book = parse("[[base]]\nfrom = 2026-02-01\nbase = 0.194017\n").unwrap();
    let at = local(2026, 3, 1, 0);
    assert_eq!(
        book.builtin_price(Builtin::Base, TariffPeriod::AllHours, at),
        Some(194_017)
    );
}

#[test]
fn a_meter_gets_its_reported_option_a_calendar_by_ngtf_or_the_files_choice() {
    let book = parse(
        "[[base]]\nfrom = 2026-02-01\nbase = 0.2\n[[tempo]]\nfrom = 2026-02-01\nblue_hc = 0.1\nblue_hp = 0.2\nwhite_hc = 0.3\nwhite_hp = 0.4\nred_hc = 0.5\nred_hp = 0.6\n\
         [[calendar]]\nname = \"we\"\nngtf = \"HC WEEK-END\"\nfrom = 2026-02-01\nindex = { EASF02 = 0.21 }\nltarf = { \"HC WE\" = 0.13 }\n\
         [meters]\ngarage = \"tempo\"\n",
    )
    .unwrap();
    let base = OptionId::Builtin(Builtin::Base);
    assert_eq!(
        book.option_for("house", Some(Builtin::Base), None),
        Some(base)
    );
    // An option the file does not price gives no cost rather than a wrong one.
    assert_eq!(book.option_for("house", Some(Builtin::Hphc), None), None);
    assert_eq!(
        book.option_for("house", None, Some("  HC WEEK-END ")),
        Some(OptionId::Calendar(0))
    );
    assert_eq!(
        book.option_for("garage", Some(Builtin::Base), None),
        Some(OptionId::Builtin(Builtin::Tempo))
    );
    let at = local(2026, 3, 1, 0);
    assert_eq!(book.calendar_price(0, 2, None, at), Some(210_000));
    assert_eq!(
        book.calendar_price(0, 1, Some(" HC WE "), at),
        Some(130_000)
    );
    assert_eq!(book.calendar_price(0, 1, Some("HP WE"), at), None);
}

#[test]
fn the_meters_calendar_names_map_to_options() {
    assert_eq!(
        Builtin::of_calendar_name("     TEMPO      "),
        Some(Builtin::Tempo)
    );
    assert_eq!(
        Builtin::of_calendar_name("H PLEINE/CREUSE "),
        Some(Builtin::Hphc)
    );
    assert_eq!(
        Builtin::of_calendar_name("      BASE      "),
        Some(Builtin::Base)
    );
    assert_eq!(Builtin::of_calendar_name("   PRODUCTEUR   "), None);
}

#[test]
fn which_options_a_meters_energy_can_be_priced_under() {
    use Builtin::{Base, Ejp, Hphc, Tempo};
    let comparable = |own: Builtin| -> Vec<Builtin> {
        Builtin::ALL
            .into_iter()
            .filter(|b| b.can_price_all_of(own))
            .collect()
    };
    assert_eq!(comparable(Base), [Base]);
    assert_eq!(comparable(Hphc), [Base, Hphc]);
    assert_eq!(comparable(Tempo), [Base, Hphc, Tempo]);
    assert_eq!(comparable(Ejp), [Base, Ejp]);
}
