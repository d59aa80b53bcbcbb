//! The playground page (see `seesaw_app::web`).

#[cfg(target_arch = "wasm32")]
fn main() {
    seesaw_app::web::page::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("seesaw-app is the browser app: run `scripts/serve` to build and open it");
}
