//! The `minispl` command line.

fn main() {
    eprintln!("minispl: not implemented yet");
    std::process::exit(2);
}
