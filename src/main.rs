use clap::Parser;

fn main() {
    let code = match nntrace::cli::run(nntrace::cli::Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", nntrace::text::terminal_safe(&e.to_string()));
            e.exit_code()
        }
    };
    std::process::exit(code);
}
