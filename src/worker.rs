//! The training worker (see `seesaw_app::web::worker`).

#[cfg(target_arch = "wasm32")]
fn main() {
    seesaw_app::web::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("seesaw-worker runs inside the playground page as a Web Worker");
}
