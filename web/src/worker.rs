//! The page computes in a Web Worker: analysis, comparison and the document view's layout run
//! there, so the page's main thread only renders.
//!
//! One wasm module serves both: `boot.js` compiles it once in the page, instantiates it there
//! (the Yew app) and hands the same compiled module to a module worker started from `boot.js`
//! (same origin, so the CSP's `script-src 'self'` allows it), where [`crate::start`] finds no
//! `window` and calls [`serve`] instead of mounting the app.
//!
//! The protocol (JSON, with each side's bytes as a `Uint8Array` beside it):
//! * the page sends a [`Request`](crate::state::wire::Request): a sequence number, each side's
//!   input generation (with its bytes when the worker does not hold that generation yet), the
//!   options and the view;
//! * the worker answers `Response::Compared` (both analyses and the comparison: the verdict
//!   comes first), then `Response::Laid` (the document view), both in [`crate::state::wire`];
//! * the page applies an answer only if its sequence number is the last one it asked for
//!   ([`crate::state::State::apply`], `Action::Computed`): anything answered for inputs since
//!   edited, cleared, swapped or replaced is dropped.
//!
//! The protocol and the worker's [`Engine`](crate::state::wire::Engine) are plain Rust in
//! `state/wire.rs` (tested natively); this module is only the browser glue (`serve`, `Client`).
//!
//! **Behind the `worker` cargo feature, off by default**: decoding the answers into the core's
//! types (serde derives for the comparison, the view rows and the light analyses) and encoding
//! them in the worker add ~60 KB gzipped (502.7 KB with it, measured before this session's last
//! size work; 449.7 KB without, of a 450 KB budget: benches/RESULTS.md). To fit, the page
//! would need a smaller view model than the core's types, or fewer derives.
//! `TRUNK_BUILD_ALL_FEATURES=true cargo xtask dist` builds it;
//! `tests/e2e/worker.spec.ts` runs only against such a build.

#[cfg(all(target_arch = "wasm32", feature = "worker"))]
pub use wasm::{Client, serve};

#[cfg(all(target_arch = "wasm32", feature = "worker"))]
mod wasm {
    use crate::state::wire::{Engine, Request, Response};
    use js_sys::{Object, Reflect, Uint8Array};
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions, WorkerType};

    fn post(scope: &DedicatedWorkerGlobalScope, r: &Response) {
        let text = serde_json::to_string(r).unwrap_or_default();
        let _ = scope.post_message(&JsValue::from_str(&text));
    }

    /// Runs in the worker: answers the page's requests ([`Request`]) until the worker ends.
    pub fn serve() {
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let engine = RefCell::new(Engine::default());
        let reply = scope.clone();
        let on = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            let get = |k: &str| Reflect::get(&data, &JsValue::from_str(k)).ok();
            let bytes = |k: &str| {
                get(k)
                    .filter(|v| v.is_instance_of::<Uint8Array>())
                    .map(|v| Uint8Array::new(&v).to_vec())
            };
            let req = get("json")
                .and_then(|v| v.as_string())
                .ok_or_else(|| "no request".to_owned())
                .and_then(|t| serde_json::from_str::<Request>(&t).map_err(|e| e.to_string()));
            let req = match req {
                Ok(r) => r,
                Err(message) => return post(&reply, &Response::Failed { message }),
            };
            let mut engine = engine.borrow_mut();
            post(
                &reply,
                &engine.compare(&req, [bytes("left"), bytes("right")]),
            );
            // The verdict is on its way; now the document view.
            post(&reply, &engine.lay_out(&req));
        });
        scope.set_onmessage(Some(on.as_ref().unchecked_ref()));
        on.forget();
        let _ = scope.post_message(&JsValue::from_str("ready"));
    }

    /// The page's side: the worker, the requests waiting until it is ready, and which input of
    /// each side it already holds.
    pub struct Client {
        worker: Worker,
        ready: Cell<bool>,
        waiting: RefCell<Option<JsValue>>,
        sent: Cell<[Option<u64>; 2]>,
        _on_message: Closure<dyn FnMut(MessageEvent)>,
        _on_error: Closure<dyn FnMut(web_sys::Event)>,
    }

    impl std::fmt::Debug for Client {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Client")
                .field("ready", &self.ready.get())
                .finish()
        }
    }

    impl Client {
        /// Starts the worker from `boot.js` with the page's compiled module (`boot.js` leaves
        /// it in `globalThis.cachelensBoot`); `None` when the page was not booted that way (a
        /// browser test), so the page computes by itself. `answer` gets each answer; a worker
        /// that fails to start answers [`Response::Failed`].
        pub fn start(answer: impl Fn(Response) + 'static) -> Option<Rc<Client>> {
            let boot = Reflect::get(&js_sys::global(), &JsValue::from_str("cachelensBoot"))
                .ok()
                .filter(|b| b.is_object())?;
            let url = Reflect::get(&boot, &JsValue::from_str("worker"))
                .ok()?
                .as_string()?;
            let options = WorkerOptions::new();
            options.set_type(WorkerType::Module);
            let worker = Worker::new_with_options(&url, &options).ok()?;
            // The first message is for boot.js in the worker: the glue's URL and the module.
            worker.post_message(&boot).ok()?;
            let answer = Rc::new(answer);
            let client = Rc::new_cyclic(|weak: &std::rc::Weak<Client>| {
                let (weak, on_answer) = (weak.clone(), answer.clone());
                let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                    let Some(text) = e.data().as_string() else {
                        return;
                    };
                    if text == "ready" {
                        if let Some(c) = weak.upgrade() {
                            c.ready.set(true);
                            if let Some(m) = c.waiting.borrow_mut().take() {
                                let _ = c.worker.post_message(&m);
                            }
                        }
                        return;
                    }
                    let r = serde_json::from_str::<Response>(&text).unwrap_or_else(|e| {
                        Response::Failed {
                            message: e.to_string(),
                        }
                    });
                    on_answer(r);
                });
                let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                    answer(Response::Failed {
                        message: "the worker could not start".into(),
                    })
                });
                worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
                Client {
                    worker,
                    ready: Cell::new(false),
                    waiting: RefCell::new(None),
                    sent: Cell::new([None, None]),
                    _on_message: on_message,
                    _on_error: on_error,
                }
            });
            Some(client)
        }

        /// Sends `req`, with each side's bytes (`inputs`) if the worker does not hold them
        /// yet. Before the worker is ready only the latest request waits (older ones are moot).
        pub fn send(&self, req: &Request, inputs: [&[u8]; 2]) {
            let message = Object::new();
            let json = serde_json::to_string(req).unwrap_or_default();
            let _ = Reflect::set(&message, &"json".into(), &JsValue::from_str(&json));
            let mut sent = self.sent.get();
            for (i, key) in ["left", "right"].into_iter().enumerate() {
                let Some(job) = &req.sides[i] else { continue };
                if sent[i] != Some(job.generation) {
                    let bytes = Uint8Array::from(inputs[i]);
                    let _ = Reflect::set(&message, &key.into(), &bytes);
                    sent[i] = Some(job.generation);
                }
            }
            self.sent.set(sent);
            if self.ready.get() {
                let _ = self.worker.post_message(&message);
            } else {
                // A waiting request replaced carries bytes the next one may not: keep them.
                let mut waiting = self.waiting.borrow_mut();
                if let Some(old) = waiting.take() {
                    for key in ["left", "right"] {
                        let had = Reflect::get(&old, &key.into()).unwrap_or(JsValue::UNDEFINED);
                        let has = Reflect::get(&message, &key.into()).unwrap_or(JsValue::UNDEFINED);
                        if has.is_undefined() && !had.is_undefined() {
                            let _ = Reflect::set(&message, &key.into(), &had);
                        }
                    }
                }
                *waiting = Some(message.into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::state::wire::*;
    use crate::state::{Action, State};

    /// Plays the worker for `s`'s last request (bytes sent as the page's client would):
    /// returns its two answers, not yet applied.
    fn answers(engine: &mut Engine, s: &State) -> (Response, Response) {
        let req = s.request.as_deref().expect("a request").clone();
        let bytes = [&s.left, &s.right].map(|p| Some(p.bytes().to_vec()));
        let first = engine.compare(&req, bytes);
        (first, engine.lay_out(&req))
    }

    fn offloaded() -> State {
        let mut s = State::default();
        s.apply(Action::UseWorker);
        s
    }

    #[test]
    fn the_worker_answers_what_the_page_computes_by_itself() {
        let mut here = State::default();
        here.apply(Action::example("env-change"));
        let mut s = offloaded();
        s.apply(Action::example("env-change"));
        // Nothing computed in the page: the verdict waits for the worker.
        assert!(s.compared.is_none() && s.computing && s.left.pending());
        let (first, second) = answers(&mut Engine::default(), &s);
        s.apply(Action::Computed(Box::new(first)));
        assert!(!s.computing && !s.left.pending() && s.doc_due);
        assert_eq!(s.computed_in, "worker");
        let (a, b) = (
            s.compared.as_ref().unwrap(),
            here.compared.as_ref().unwrap(),
        );
        assert_eq!(a.comparison, b.comparison);
        assert_eq!(a.groups, b.groups);
        assert_eq!(a.steps.as_deref(), b.steps.as_deref());
        assert_eq!(
            s.left.ok().map(|a| &a.digest),
            here.left.ok().map(|a| &a.digest)
        );
        s.apply(Action::Computed(Box::new(second)));
        assert!(!s.doc_due);
        let (d, e) = (s.doc.as_ref().unwrap(), here.doc.as_ref().unwrap());
        assert_eq!(
            (&d.left, &d.right, d.rows.len()),
            (&e.left, &e.right, e.rows.len())
        );
    }

    #[test]
    fn answers_for_inputs_since_replaced_are_dropped() {
        let mut engine = Engine::default();
        let mut s = offloaded();
        s.apply(Action::example("env-change"));
        let (late, late_doc) = answers(&mut engine, &s);
        // The user clears the left pane before the answer comes: it is about other inputs.
        s.apply(Action::Clear(cachelens_core::Side::Left));
        s.apply(Action::Computed(Box::new(late)));
        s.apply(Action::Computed(Box::new(late_doc)));
        assert!(s.compared.is_none() && s.doc.is_none());
        assert!(s.left.is_empty() && s.right.pending());
        // The answer to the request made for the cleared pane counts.
        let (first, _) = answers(&mut engine, &s);
        s.apply(Action::Computed(Box::new(first)));
        assert!(!s.right.pending() && s.right.ok().is_some() && s.compared.is_none());
    }

    #[test]
    fn a_fragment_without_a_link_leaves_the_awaited_answer_awaited() {
        let mut s = offloaded();
        s.apply(Action::example("env-change"));
        let (first, _) = answers(&mut Engine::default(), &s);
        s.apply(Action::OpenFragment(String::new()));
        s.apply(Action::Computed(Box::new(first)));
        assert!(s.compared.is_some() && !s.computing);
    }

    #[test]
    fn an_edit_drops_the_answer_for_the_text_it_replaces() {
        let mut s = offloaded();
        s.apply(Action::example("env-change"));
        let (first, _) = answers(&mut Engine::default(), &s);
        s.apply(Action::Edit {
            side: cachelens_core::Side::Left,
            text: "{}".into(),
        });
        s.apply(Action::Computed(Box::new(first)));
        assert!(s.compared.is_none() && s.left.pending());
    }

    #[test]
    fn bytes_are_needed_only_for_a_generation_the_worker_does_not_hold() {
        let mut engine = Engine::default();
        let mut s = offloaded();
        s.apply(Action::example("env-change"));
        let (first, _) = answers(&mut engine, &s);
        s.apply(Action::Computed(Box::new(first)));
        // A view change: the same inputs, no bytes sent.
        s.apply(Action::SetRaw(true));
        let req = s.request.as_deref().unwrap().clone();
        assert!(matches!(
            engine.compare(&req, [None, None]),
            Response::Compared { .. }
        ));
        // A swap gives both inputs new generations: without bytes the worker says so.
        s.apply(Action::Swap);
        let req = s.request.as_deref().unwrap().clone();
        assert!(matches!(
            engine.compare(&req, [None, None]),
            Response::Failed { .. }
        ));
    }

    #[test]
    fn a_worker_that_fails_leaves_the_page_computing_by_itself() {
        let mut s = offloaded();
        s.apply(Action::example("env-change"));
        s.apply(Action::Computed(Box::new(Response::Failed {
            message: "could not start".into(),
        })));
        assert!(!s.offload && s.compared.is_some() && !s.left.pending());
        assert_eq!(s.computed_in, "page");
    }

    #[test]
    fn answers_travel_as_json() {
        let mut s = offloaded();
        s.apply(Action::example("env-change"));
        let (first, second) = answers(&mut Engine::default(), &s);
        for r in [first, second] {
            let text = serde_json::to_string(&r).unwrap();
            let back: Response = serde_json::from_str(&text).unwrap();
            assert_eq!(serde_json::to_string(&back).unwrap(), text);
        }
        let req = s.request.as_deref().unwrap();
        let back: Request = serde_json::from_str(&serde_json::to_string(req).unwrap()).unwrap();
        assert_eq!(&back, req);
    }
}
