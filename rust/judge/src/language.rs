//! One runner per language: where the source goes, how it is compiled (once per solution), and
//! what runs on each test. Adding Java, Rust or Go is one more variant here.

use std::path::PathBuf;

use crate::worker::Program;

#[derive(Debug, Clone, PartialEq)]
pub enum Language {
    /// CPython; solutions run in the sandbox's warm interpreter, which is this one.
    Python,
    /// C++17 compiled with `compiler` (g++ -O2 by default).
    Cpp { compiler: PathBuf, flags: Vec<String> },
}

impl Language {
    pub fn cpp() -> Self {
        Self::Cpp { compiler: PathBuf::from("/usr/bin/g++"), flags: ["-std=c++17", "-O2", "-pipe"].map(String::from).to_vec() }
    }

    pub fn source_name(&self) -> &'static str {
        match self {
            Self::Python => "main.py",
            Self::Cpp { .. } => "main.cpp",
        }
    }

    /// What a sealed solution directory keeps: the source and the compiled artifact.
    pub fn kept_files(&self) -> [&'static str; 2] {
        match self {
            Self::Python => ["main.py", "main.code"],
            Self::Cpp { .. } => ["main.cpp", "main"],
        }
    }

    /// The compile step, run sandboxed with compiler limits inside the solution's directory `dir`.
    pub fn compile(&self, dir: &str) -> Program {
        match self {
            Self::Python => Self::compile_python(&[dir.to_string()]),
            Self::Cpp { compiler, flags } => {
                let mut argv = vec![compiler.to_string_lossy().into_owned()];
                argv.extend(flags.iter().cloned());
                argv.extend([format!("{dir}/main.cpp"), "-o".into(), format!("{dir}/main")]);
                Program { argv, python: None, compile: Vec::new(), cwd: "/tmp".into() }
            }
        }
    }

    /// One compile step for several Python solutions (a fork costs more than compiling a source).
    pub fn compile_python(dirs: &[String]) -> Program {
        let compile = dirs.iter().map(|dir| (format!("{dir}/main.py"), format!("{dir}/main.code"))).collect();
        Program { argv: Vec::new(), python: None, compile, cwd: "/tmp".into() }
    }

    /// What runs on each test (with `arguments`, e.g. a checker's file names), from the private /tmp.
    pub fn run(&self, dir: &str, arguments: &[String]) -> Program {
        let (argv, python) = match self {
            Self::Python => (arguments.to_vec(), Some(format!("{dir}/main.code"))),
            Self::Cpp { .. } => ([vec![format!("{dir}/main")], arguments.to_vec()].concat(), None),
        };
        Program { argv, python, compile: Vec::new(), cwd: "/tmp".into() }
    }
}
