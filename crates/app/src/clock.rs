//! The deployment's time zone, and "today" in it. Times are stored in UTC (RFC 3339); what a
//! person sees and what "today" means — a visit due today, a date not in the future, a default
//! day on a form — follow the zone where the union works: Asia/Shanghai unless the deployment
//! says otherwise (`bangfu serve --time-zone`, `BANGFU_TIME_ZONE`). Work done at 00:30 in
//! Beijing is that day's work, not the day before's.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::sync::OnceLock;

static ZONE: OnceLock<Tz> = OnceLock::new();

/// The zone used when none is set.
pub const DEFAULT_ZONE: &str = "Asia/Shanghai";

/// Sets the deployment's zone (once, at start); a name that is no IANA zone is refused.
pub fn set_zone(name: &str) -> Result<(), String> {
    let tz: Tz = name.parse().map_err(|_| format!("{name} is not a time zone name such as Asia/Shanghai"))?;
    let _ = ZONE.set(tz);
    Ok(())
}

/// The deployment's zone.
pub fn zone() -> Tz {
    *ZONE.get_or_init(|| DEFAULT_ZONE.parse().unwrap_or(chrono_tz::Asia::Shanghai))
}

/// Now, in the deployment's zone.
pub fn now() -> DateTime<Tz> {
    Utc::now().with_timezone(&zone())
}

/// Today's date in the deployment's zone.
pub fn today() -> NaiveDate {
    now().date_naive()
}

/// A stored time (RFC 3339, UTC) as people read it: `2026-12-05 00:44` in the deployment's
/// zone. Text that is no RFC 3339 time (a plain date) is shown as it is.
pub fn local(stored: &str) -> String {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(t) => t.with_timezone(&zone()).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => stored.to_string(),
    }
}

/// The local date of a stored time (`2026-12-05`), or the text's first ten characters.
pub fn local_date(stored: &str) -> String {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(t) => t.with_timezone(&zone()).format("%Y-%m-%d").to_string(),
        Err(_) => stored.get(..10).unwrap_or(stored).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_utc_times_read_in_beijing_time() {
        // 16:39 UTC on the 4th is 00:39 on the 5th in Beijing.
        assert_eq!(local("2026-12-04T16:39:33Z"), "2026-12-05 00:39");
        assert_eq!(local_date("2026-12-04T16:39:33Z"), "2026-12-05");
        assert_eq!(local("2026-12-04T01:00:00.123456Z"), "2026-12-04 09:00");
        assert_eq!(local("2026-12-04"), "2026-12-04");
        assert!(set_zone("Mars/Olympus").is_err());
    }
}
