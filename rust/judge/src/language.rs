//! One runner per language: where the source goes, how it is compiled (once per solution, in the
//! sandbox, with compiler limits), what is kept of the compile, and what runs on each test.
//!
//! Managed runtimes (Java, Go, JavaScript) reserve far more address space than they use (the JVM
//! its class space and code cache, Go its page summaries, V8 its pointer cage), so `RLIMIT_AS` at
//! the memory limit kills them before they start. They declare a `runtime_reserve`: with cgroups
//! their memory is bounded by the cgroup alone (no `RLIMIT_AS`); without cgroups by `RLIMIT_AS` at
//! the memory limit plus that reserve, and by the runtime's own heap cap where it has one
//! (`-Xmx`, `--max-old-space-size`; Go has none that is hard).

use std::path::PathBuf;

use crate::limits::{Limits, MIB};
use crate::worker::Program;

#[derive(Debug, Clone, PartialEq)]
pub enum Language {
    /// CPython; solutions run in the sandbox's warm interpreter, which is this one.
    Python,
    /// C++ compiled with `compiler` (g++ -std=c++17 -O2 by default).
    Cpp { compiler: PathBuf, flags: Vec<String> },
    /// C compiled with `compiler` (gcc -std=gnu11 -O2 by default), linked with libm.
    C { compiler: PathBuf, flags: Vec<String> },
    /// Java: `javac`, packed into a jar whose entry point is the class holding `main`.
    Java { java_home: PathBuf },
    /// Go, built with the `go` tool of `go_root` (module mode off: one file, standard library).
    Go { go_root: PathBuf },
    /// Rust: `rustc -O --edition 2021` from `sysroot`.
    Rust { sysroot: PathBuf },
    /// JavaScript on Node.js; "compiling" is `node --check` (a syntax error is a CompileError).
    JavaScript { node: PathBuf },
}

/// Address space a managed runtime reserves beyond its heap (see the module doc).
const RUNTIME_RESERVE: u64 = 1024 * MIB;
/// The JVM's: its reservations below, plus 64 MiB of stack reserved per thread (`-Xss64m`, for
/// deep recursion, applies to the JVM's dozen own threads too). Resident memory stays bounded
/// by the heap cap, `-Xmx` at the memory limit.
const JVM_RESERVE: u64 = 2048 * MIB;

/// The JVM's own reservations, shrunk to fit `RUNTIME_RESERVE` (by default the compressed class
/// space alone reserves 1 GiB); one GC thread, as contest judges run Java.
const JVM_RESERVATIONS: [&str; 3] = ["-XX:CompressedClassSpaceSize=128m", "-XX:ReservedCodeCacheSize=128m", "-XX:+UseSerialGC"];

impl Language {
    pub fn cpp() -> Self {
        Self::Cpp { compiler: PathBuf::from("/usr/bin/g++"), flags: ["-std=c++17", "-O2", "-pipe"].map(String::from).to_vec() }
    }

    pub fn c() -> Self {
        Self::C { compiler: PathBuf::from("/usr/bin/gcc"), flags: ["-std=gnu11", "-O2", "-pipe"].map(String::from).to_vec() }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Python => "python",
            Self::Cpp { .. } => "cpp",
            Self::C { .. } => "c",
            Self::Java { .. } => "java",
            Self::Go { .. } => "go",
            Self::Rust { .. } => "rust",
            Self::JavaScript { .. } => "javascript",
        }
    }

    pub fn source_name(&self) -> &'static str {
        match self {
            Self::Python => "main.py",
            Self::Cpp { .. } => "main.cpp",
            Self::C { .. } => "main.c",
            Self::Java { .. } => "main.java",
            Self::Go { .. } => "main.go",
            Self::Rust { .. } => "main.rs",
            Self::JavaScript { .. } => "main.js",
        }
    }

    /// What a sealed solution directory keeps: the source and the compiled artifact.
    pub fn kept_files(&self) -> &'static [&'static str] {
        match self {
            Self::Python => &["main.py", "main.code"],
            Self::Cpp { .. } => &["main.cpp", "main"],
            Self::C { .. } => &["main.c", "main"],
            Self::Java { .. } => &["main.java", "main.jar"],
            Self::Go { .. } => &["main.go", "main"],
            Self::Rust { .. } => &["main.rs", "main"],
            Self::JavaScript { .. } => &["main.js"],
        }
    }

    /// The compile step of the solution in the sandbox directory `dir`, whose source is `source`
    /// (Java needs it: the file must be named after its public class).
    pub fn compile(&self, dir: &str, source: &str) -> Program {
        let argv: Vec<String> = match self {
            Self::Python => return Self::compile_python(&[dir.to_string()]),
            Self::Cpp { compiler, flags } | Self::C { compiler, flags } => {
                let mut argv = vec![compiler.to_string_lossy().into_owned()];
                argv.extend(flags.iter().cloned());
                argv.extend([format!("{dir}/{}", self.source_name()), "-o".into(), format!("{dir}/main")]);
                if matches!(self, Self::C { .. }) {
                    argv.push("-lm".into());
                }
                argv
            }
            Self::Java { java_home } => {
                let (file, main) = java_classes(source);
                let bin = java_home.join("bin");
                // javac insists the file is named after its public class; the jar records `main`.
                let script = format!(
                    "mkdir -p /tmp/src /tmp/classes && cp {dir}/main.java /tmp/src/{file}.java && \
                     {javac} {tool_flags} -encoding UTF-8 -d /tmp/classes /tmp/src/{file}.java && \
                     {jar} {tool_flags} --create --file {dir}/main.jar --main-class {main} -C /tmp/classes .",
                    tool_flags = ["-Xmx1g"].iter().chain(&JVM_RESERVATIONS).map(|flag| format!("-J{flag}")).collect::<Vec<_>>().join(" "),
                    javac = bin.join("javac").display(),
                    jar = bin.join("jar").display(),
                );
                let argv = vec!["/bin/sh".into(), "-c".into(), script];
                return Program { runtime_reserve: JVM_RESERVE, env: vec![java_library_path(java_home)], ..Program::native(argv) };
            }
            Self::Go { go_root } => {
                let go = go_root.join("bin/go").to_string_lossy().into_owned();
                let env = ["GOCACHE=/tmp/go-cache", "GOPATH=/tmp/go", "HOME=/tmp", "GO111MODULE=off", "CGO_ENABLED=0"];
                let argv = vec![go, "build".into(), "-o".into(), format!("{dir}/main"), format!("{dir}/main.go")];
                return Program { env: env.map(String::from).to_vec(), ..Program::native(argv) };
            }
            Self::Rust { sysroot } => {
                let rustc = sysroot.join("bin/rustc").to_string_lossy().into_owned();
                let argv = [rustc.as_str(), "-O", "--edition", "2021", "-C", "linker-features=-lld", "-o", &format!("{dir}/main"), &format!("{dir}/main.rs")].map(String::from).to_vec();
                // As for the JVM: rustc finds librustc_driver through $ORIGIN. Its bundled lld
                // wrapper needs /proc/self/exe too, so the system linker (cc) links.
                return Program { env: vec![format!("LD_LIBRARY_PATH={}", sysroot.join("lib").display())], ..Program::native(argv) };
            }
            Self::JavaScript { node } => vec![node.to_string_lossy().into_owned(), "--check".into(), format!("{dir}/main.js")],
        };
        let program = Program::native(argv);
        match self {
            Self::JavaScript { .. } => Program { runtime_reserve: RUNTIME_RESERVE, ..program },
            _ => program,
        }
    }

    /// One compile step for several Python solutions (a fork costs more than compiling a source).
    pub fn compile_python(dirs: &[String]) -> Program {
        let compile = dirs.iter().map(|dir| (format!("{dir}/main.py"), format!("{dir}/main.code"))).collect();
        Program { compile, ..Program::native(Vec::new()) }
    }

    /// What runs on each test (with `arguments`, e.g. a checker's file names), from the private
    /// /tmp, under `limits` (the heap caps of managed runtimes follow the memory limit).
    pub fn run(&self, dir: &str, arguments: &[String], limits: &Limits) -> Program {
        let heap_mib = (limits.memory / MIB).max(16);
        let (argv, reserve, env): (Vec<String>, u64, Vec<String>) = match self {
            Self::Python => {
                let program = Program { python: Some(format!("{dir}/main.code")), ..Program::native(arguments.to_vec()) };
                return program;
            }
            Self::Cpp { .. } | Self::C { .. } | Self::Rust { .. } => (vec![format!("{dir}/main")], 0, Vec::new()),
            // No GOMEMLIMIT: a soft limit at the memory limit makes the GC spin near it, turning a
            // memory-hungry program into a TimeLimitExceeded.
            Self::Go { .. } => (vec![format!("{dir}/main")], RUNTIME_RESERVE, Vec::new()),
            Self::Java { java_home } => {
                let java = java_home.join("bin/java").to_string_lossy().into_owned();
                let mut argv = vec![java, format!("-Xmx{heap_mib}m"), "-Xss64m".into(), "-XX:TieredStopAtLevel=1".into()];
                argv.extend(JVM_RESERVATIONS.iter().map(|flag| flag.to_string()));
                argv.extend(["-jar".into(), format!("{dir}/main.jar")]);
                (argv, JVM_RESERVE, vec![java_library_path(java_home)])
            }
            Self::JavaScript { node } => {
                let argv = vec![node.to_string_lossy().into_owned(), format!("--max-old-space-size={heap_mib}"), "--stack-size=65500".into(), format!("{dir}/main.js")];
                (argv, RUNTIME_RESERVE, Vec::new())
            }
        };
        Program { runtime_reserve: reserve, env, ..Program::native([argv, arguments.to_vec()].concat()) }
    }
}

/// The sandbox has no /proc, so the dynamic loader cannot expand `$ORIGIN` (it reads
/// /proc/self/exe), through which the JDK's launchers find libjli: name the directory instead.
fn java_library_path(java_home: &std::path::Path) -> String {
    format!("LD_LIBRARY_PATH={}", java_home.join("lib").display())
}

/// The file name javac wants (the public top-level class, else `Main`) and the class holding
/// `main` (the last class declared before `static void main`, else that file's class). Names are
/// letters, digits and `_` only (Java allows `$` too, which the compile step's shell would expand).
fn java_classes(source: &str) -> (String, String) {
    let declared = |keyword: &str| -> Vec<(usize, String)> {
        source
            .match_indices(keyword)
            .filter_map(|(at, _)| {
                let name: String = source[at + keyword.len()..].trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                let boundary = at == 0 || !source.as_bytes()[at - 1].is_ascii_alphanumeric();
                (boundary && !name.is_empty()).then_some((at, name))
            })
            .collect()
    };
    let public = ["public class ", "public final class ", "public abstract class "].iter().flat_map(|k| declared(k)).min_by_key(|(at, _)| *at).map(|(_, name)| name);
    let file = public.unwrap_or_else(|| "Main".into());
    let main = source
        .find("static void main")
        .and_then(|at| declared("class ").into_iter().filter(|(start, _)| *start < at).last().map(|(_, name)| name))
        .unwrap_or_else(|| file.clone());
    (file, main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_file_is_named_after_the_public_class() {
        let source = "import java.util.*;\npublic class A {\n  public static void main(String[] args) {}\n}\n";
        assert_eq!(java_classes(source), ("A".into(), "A".into()));
    }

    #[test]
    fn java_main_class_may_differ_from_the_file() {
        let source = "class Helper { int x; }\nclass Solver {\n  public static void main(String[] a) {}\n}\n";
        assert_eq!(java_classes(source), ("Main".into(), "Solver".into()));
        let nested = "public class Main {\n static class Reader {}\n public static void main(String[] a) {}\n}";
        assert_eq!(java_classes(nested).0, "Main");
    }

    #[test]
    fn managed_runtimes_declare_their_address_space_reserve() {
        let limits = Limits::default();
        assert_eq!(Language::Go { go_root: "/usr/lib/go".into() }.run("/work/s", &[], &limits).runtime_reserve, RUNTIME_RESERVE);
        assert_eq!(Language::cpp().run("/work/s", &[], &limits).runtime_reserve, 0);
        let java = Language::Java { java_home: "/jdk".into() }.run("/work/s", &[], &limits);
        assert!(java.argv.contains(&"-Xmx256m".to_string()), "{:?}", java.argv);
    }
}
