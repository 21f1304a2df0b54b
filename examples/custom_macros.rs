//! Load a custom `macros.conf` that overrides a built-in macro, and see the expansion.
//!
//!     cargo run --example custom_macros

use minispl::rules::Engine;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("minispl-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let conf = dir.join("macros.conf");
    // Upstream ships `aws_ecr_users` as `userName IN (user)`; a site lists its own pushers.
    std::fs::write(
        &conf,
        "[aws_ecr_users]\ndefinition = userName IN (ci-runner, deploy-bot)\n\n\
         [my_region(1)]\nargs = region\ndefinition = awsRegion=$region$\n",
    )?;

    let mut engine = Engine::builtin()?;
    let added = engine.add_macros(&conf)?;
    println!("loaded {added} macros from {}", conf.display());

    let search = engine.compile(
        "`cloudtrail` eventName=PutImage NOT `aws_ecr_users` `my_region(\"us-east-1\")` | stats count by user",
    )?;
    println!("expanded: {}", search.expanded());
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
