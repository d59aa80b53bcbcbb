//! Seesaw's browser app. The playground (controls, live charts, WebGPU training) is built on
//! `seesaw-core`; this first page introduces the project and points to the command-line tool.

#[cfg(target_arch = "wasm32")]
mod page {
    use yew::prelude::*;

    /// The landing page.
    #[function_component]
    pub fn App() -> Html {
        html! {
            <main>
                <h1 data-testid="title">{ "Seesaw" }</h1>
                <p>{ "Train multi-task neural networks and watch multi-task learning happen: \
                      per-task losses, task weights, gradient conflicts, expert gates and the \
                      seesaw effect." }</p>
                <p>{ "The engine runs headless today:" }</p>
                <pre>{ "cargo run --release --bin seesaw -- train --dataset correlated \
                        --correlation 0.5 --arch mmoe --steps 300 --baselines" }</pre>
                <p>{ "The in-browser playground (WebGPU) is being built on the same engine." }</p>
            </main>
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    yew::Renderer::<page::App>::new().render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("seesaw-app is the browser app: run `scripts/serve` to build and open it");
}
