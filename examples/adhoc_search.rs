//! Run an ad-hoc SPL search over events held in memory.
//!
//!     cargo run --example adhoc_search

use minispl::eval::{Event, EventMeta};
use minispl::rules::Engine;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The built-in engine knows the `cloudtrail` macro and the `aws:cloudtrail` profile, so
    // CIM fields such as `src` and `user_agent` exist at search time.
    let engine = Engine::builtin()?;
    let search = engine
        .compile("`cloudtrail` eventSource=ecr.amazonaws.com | stats count by eventName src")?;

    let meta = EventMeta {
        sourcetype: Some("aws:cloudtrail".into()),
        source: Some("example".into()),
        ..Default::default()
    };
    let records = [
        r#"{"eventTime":"2023-11-14T22:13:20Z","eventSource":"ecr.amazonaws.com","eventName":"PutImage","sourceIPAddress":"198.51.100.7","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","userName":"alice","accountId":"111111111111","arn":"arn:aws:iam::111111111111:user/alice"}}"#,
        r#"{"eventTime":"2023-11-14T22:15:00Z","eventSource":"ecr.amazonaws.com","eventName":"PutImage","sourceIPAddress":"198.51.100.7","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","userName":"alice","accountId":"111111111111","arn":"arn:aws:iam::111111111111:user/alice"}}"#,
        r#"{"eventTime":"2023-11-14T22:16:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","sourceIPAddress":"203.0.113.9","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","userName":"bob","accountId":"111111111111","arn":"arn:aws:iam::111111111111:user/bob"}}"#,
    ];
    let events = records.iter().map(|raw| Event::Raw {
        raw: raw.to_string(),
        meta: meta.clone(),
    });

    for row in search.run(events)? {
        let fields: Vec<String> = row
            .iter()
            .map(|(name, value)| format!("{name}={}", value.render().unwrap_or_default()))
            .collect();
        println!("{}", fields.join(" "));
    }
    Ok(())
}
