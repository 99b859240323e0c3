// Starts the cachelens viewer. The page's CSP forbids inline scripts, so instead of Trunk's
// inline loader this file (served from the same origin) loads the wasm-bindgen module; Trunk
// writes the hashed, relative file names onto this script's tag (Trunk.toml `pattern_script`).
const tag = document.querySelector('script[data-js][data-wasm]');
const { default: init } = await import(new URL(tag.dataset.js, document.baseURI).href);
await init({ module_or_path: new URL(tag.dataset.wasm, document.baseURI) });
