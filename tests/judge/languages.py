"""Programs in each compiled or managed language the judge runs besides Python and C++: a verdict
table (correct, wrong, slow, crashing, memory-hungry) and escape attempts, each printing
`label: ok` when the forbidden thing worked and `label: denied` otherwise."""

from __future__ import annotations

# Each doubles the integer on stdin.
CORRECT = {
    "c": '#include <stdio.h>\nint main(void){long n; if (scanf("%ld", &n) != 1) return 1; printf("%ld\\n", n * 2); return 0;}',
    "java": "import java.io.*;\npublic class Doubler {\n  public static void main(String[] args) throws IOException {\n"
            "    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));\n"
            "    long n = Long.parseLong(in.readLine().trim());\n    System.out.println(n * 2);\n  }\n}\n",
    "go": 'package main\nimport "fmt"\nfunc main() { var n int64; fmt.Scan(&n); fmt.Println(n * 2) }\n',
    "rust": "use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap();\n"
            "  let n: i64 = s.trim().parse().unwrap(); println!(\"{}\", n * 2); }\n",
    "javascript": 'const n = Number(require("fs").readFileSync(0, "utf8").trim());\nconsole.log(String(n * 2));\n',
}
WRONG = {
    "c": '#include <stdio.h>\nint main(void){puts("0"); return 0;}',
    "java": 'class Main { public static void main(String[] a) { System.out.println("0"); } }',
    "go": 'package main\nimport "fmt"\nfunc main() { fmt.Println(0) }\n',
    "rust": 'fn main() { println!("0"); }',
    "javascript": 'console.log("0");',
}
SLOW = {
    "c": "int main(void){volatile unsigned long x = 0; for(;;) x++;}",
    "java": "public class Main { public static void main(String[] a) { long x = 0; while (true) { x++; if (x == -1) break; } System.out.println(x); } }",
    "go": 'package main\nimport "fmt"\nfunc main() { x := 0; for { x++; if x == -1 { break } }; fmt.Println(x) }\n',
    "rust": "fn main() { let mut x: u64 = 0; loop { x = std::hint::black_box(x + 1); } }",
    "javascript": "let x = 0; for (;;) { x++; }",
}
CRASH = {
    "c": "int main(void){volatile int *p = 0; return *p;}",
    "java": 'public class Main { public static void main(String[] a) { throw new IllegalStateException("boom"); } }',
    "go": 'package main\nfunc main() { panic("boom") }\n',
    "rust": 'fn main() { panic!("boom"); }',
    "javascript": 'throw new Error("boom");',
}
# Each touches memory without end (1 MiB at a time), far past any limit the tests set.
MEMORY = {
    "c": "#include <stdlib.h>\n#include <string.h>\nint main(void){for(;;){char *p = malloc(1 << 20); if (!p) return 3; memset(p, 1, 1 << 20);}}",
    "java": "import java.util.*;\npublic class Main { public static void main(String[] a) {\n"
            "  List<long[]> kept = new ArrayList<>(); while (true) { long[] c = new long[1 << 17]; Arrays.fill(c, 1); kept.add(c); } } }",
    # One byte per page: touching every byte would take Go over the 1 s CPU limit before it
    # reached the rlimits-only bound (the memory limit plus 1 GiB of reserve).
    "go": "package main\nimport \"fmt\"\nfunc main() { var kept [][]byte; for { c := make([]byte, 1<<20); for i := 0; i < len(c); i += 4096 { c[i] = 1 }; kept = append(kept, c); if len(kept) < 0 { fmt.Println() } } }\n",
    "rust": "fn main() { let mut kept: Vec<Vec<u8>> = Vec::new(); loop { kept.push(vec![1u8; 1 << 20]); } }",
    "javascript": "const kept = []; for (;;) { kept.push(Buffer.alloc(1 << 20, 1)); }",
}
COMPILE_ERROR = {
    "c": "int main(void) { return undefined_name; }",
    "java": "public class Main { public static void main(String[] a) { int x = \"text\"; } }",
    "go": "package main\nfunc main() { x := 1 }\n",
    "rust": "fn main() { let x: u32 = \"text\"; }",
    "javascript": "function ( {",
}


def fork_bomb(language: str) -> str:
    """Starts processes without end (each language's own way of making one)."""
    return {
        "c": "#include <unistd.h>\nint main(void){for(;;) fork();}",
        "java": "public class Main { public static void main(String[] a) throws Exception {\n"
                "  while (true) { try { new ProcessBuilder(\"/bin/sleep\", \"30\").start(); } catch (Exception e) {} } } }",
        "go": 'package main\nimport "os/exec"\nfunc main() { for { _ = exec.Command("/bin/sleep", "30").Start() } }\n',
        "rust": 'fn main() { loop { let _ = std::process::Command::new("/bin/sleep").arg("30").spawn(); } }',
        "javascript": 'const { spawn } = require("child_process");\n'
                      'for (;;) { try { spawn("/bin/sleep", ["30"], { detached: true }).on("error", () => {}); } catch (e) {} }',
    }[language]


def daemon(language: str) -> str:
    """Leaves a detached `sleep 30` behind and exits at once, printing `daemon started`."""
    return {
        "c": '#include <stdio.h>\n#include <unistd.h>\nint main(void){ if (fork() == 0) { setsid(); if (fork() == 0) {'
             ' execl("/bin/sleep", "sleep", "30", (char*)0); } _exit(0); } sleep(0); puts("daemon started"); return 0; }',
        "java": 'public class Main { public static void main(String[] a) throws Exception {\n'
                '  new ProcessBuilder("/bin/sh", "-c", "setsid /bin/sleep 30 &").start().waitFor();\n'
                '  System.out.println("daemon started"); } }',
        "go": 'package main\nimport ("fmt"; "os/exec"; "syscall")\nfunc main() { c := exec.Command("/bin/sleep", "30");'
              ' c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}; _ = c.Start(); fmt.Println("daemon started") }\n',
        "rust": 'use std::os::unix::process::CommandExt;\nfn main() { let _ = std::process::Command::new("/bin/sleep")'
                '.arg("30").process_group(0).spawn(); println!("daemon started"); }',
        "javascript": 'const { spawn } = require("child_process");\n'
                      'spawn("/bin/sleep", ["30"], { detached: true, stdio: "ignore" }).unref();\nconsole.log("daemon started");',
    }[language]


def network(language: str, port: int) -> str:
    """Connects to a host loopback listener on `port`."""
    return {
        "c": '#include <stdio.h>\n#include <string.h>\n#include <arpa/inet.h>\n#include <sys/socket.h>\nint main(void){'
             ' int s = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in a; memset(&a, 0, sizeof a);'
             f' a.sin_family = AF_INET; a.sin_port = htons({port}); a.sin_addr.s_addr = htonl(0x7f000001);'
             ' puts(s >= 0 && connect(s, (struct sockaddr*)&a, sizeof a) == 0 ? "loopback: ok" : "loopback: denied"); return 0; }',
        "java": 'public class Main { public static void main(String[] a) {\n'
                f'  try (java.net.Socket s = new java.net.Socket("127.0.0.1", {port})) {{ System.out.println("loopback: ok"); }}\n'
                '  catch (Exception e) { System.out.println("loopback: denied"); } } }',
        "go": 'package main\nimport ("fmt"; "net"; "time")\nfunc main() {'
              f' c, err := net.DialTimeout("tcp", "127.0.0.1:{port}", time.Second);'
              ' if err == nil { c.Close(); fmt.Println("loopback: ok") } else { fmt.Println("loopback: denied") } }\n',
        "rust": f'fn main() {{ match std::net::TcpStream::connect("127.0.0.1:{port}") {{'
                ' Ok(_) => println!("loopback: ok"), Err(_) => println!("loopback: denied") } }',
        "javascript": 'const net = require("net");\n'
                      f'const s = net.connect({port}, "127.0.0.1", () => {{ console.log("loopback: ok"); s.destroy(); }});\n'
                      's.on("error", () => console.log("loopback: denied"));',
    }[language]


def writes(language: str, host_path: str) -> str:
    """Tries to create files in system directories, the job's directory and a host path; then the
    private /tmp, which must work (`tmp: ok`)."""
    targets = {"etc": "/etc/pysynth-pwned", "usr": "/usr/pysynth-pwned", "work": "/work/pwned", "host": host_path,
               "tmp": "/tmp/allowed"}
    if language == "c":
        body = "".join(f' {{ FILE *f = fopen("{path}", "w"); printf("{label}: %s\\n", f && fputs("x", f) >= 0 && fclose(f) == 0 ? "ok" : "denied"); }}'
                       for label, path in targets.items())
        return f"#include <stdio.h>\nint main(void){{{body} return 0; }}"
    if language == "java":
        body = "".join(f'    try {{ java.nio.file.Files.writeString(java.nio.file.Path.of("{path}"), "x"); System.out.println("{label}: ok"); }}'
                       f' catch (Exception e) {{ System.out.println("{label}: denied"); }}\n' for label, path in targets.items())
        return f"public class Main {{ public static void main(String[] a) {{\n{body} }} }}"
    if language == "go":
        body = "".join(f'  if os.WriteFile("{path}", []byte("x"), 0644) == nil {{ fmt.Println("{label}: ok") }} else {{ fmt.Println("{label}: denied") }}\n'
                       for label, path in targets.items())
        return f'package main\nimport ("fmt"; "os")\nfunc main() {{\n{body}}}\n'
    if language == "rust":
        body = "".join(f'  println!("{label}: {{}}", if std::fs::write("{path}", "x").is_ok() {{ "ok" }} else {{ "denied" }});\n'
                       for label, path in targets.items())
        return f"fn main() {{\n{body}}}\n"
    body = "".join(f'try {{ fs.writeFileSync("{path}", "x"); console.log("{label}: ok"); }} catch (e) {{ console.log("{label}: denied"); }}\n'
                   for label, path in targets.items())
    return f'const fs = require("fs");\n{body}'
