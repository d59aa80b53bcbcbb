//! The training worker without WebGPU (see `seesaw_app::web::worker`): the same worker built
//! without the `webgpu` feature, so it links no GPU shader compiler. The page starts it for
//! runs on the CPU (`protocol::WorkerBuild`).

#[cfg(target_arch = "wasm32")]
fn main() {
    seesaw_app::web::worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("seesaw-worker-cpu runs inside the playground page as a Web Worker");
}
