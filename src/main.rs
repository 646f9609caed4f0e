use clap::Parser;

fn main() {
    let code = match nntrace::cli::run(nntrace::cli::Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
