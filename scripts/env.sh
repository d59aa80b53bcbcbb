# Sourced by the scripts: one target directory outside the clone, so every checkout and CI
# run on this machine reuses compiled dependencies (burn takes ~30 minutes cold on 2 cores).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/seesaw/target}"
export PATH="$HOME/.cargo/bin:$PATH"
# wgpu wants a runtime directory; headless machines often have none.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/seesaw-runtime-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
