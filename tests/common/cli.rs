//! Running the `padlens` binary as a user would, for the CLI tests (cli.rs, cli_detect.rs,
//! cli_shift.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn padlens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_padlens"))
        .args(args)
        .output()
        .expect("the padlens binary runs")
}

/// A path in a directory of this test binary's own (tests of different binaries run at once).
pub fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "padlens-{}-{}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The committed narrow ResNet-18 (tests/onnx/models/resnet18: untrained, 1000 outputs).
pub fn resnet18_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/onnx/models/resnet18/model.onnx")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
