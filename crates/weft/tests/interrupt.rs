//! Interrupt handles: another thread stops running wasm code, which traps with `Trap::Interrupted`;
//! the store stays usable afterwards.

use std::time::Duration;
use weft::*;

const WAT: &str = r#"(module
    (import "env" "host" (func $host))
    (func $leaf)
    ;; No calls: only a loop-head check can stop it.
    (func (export "spin") (loop $l (br $l)))
    ;; A call per iteration: function entries stop it even without loop checks.
    (func (export "spin_calling") (loop $l (call $leaf) (br $l)))
    (func (export "count") (param i32) (result i32) (local i32)
        (loop $l
            (local.set 1 (i32.add (local.get 1) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
        (local.get 1))
    (func (export "via_host") (call $host)))"#;

fn setup(interruptible: bool) -> (Store<Option<Func>>, Instance) {
    let engine = Engine::new(Config { interruptible, ..Default::default() }).unwrap();
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, None::<Func>);
    // `host` calls back into the instance's `spin` (set below): a nested host -> wasm call.
    let host = Func::new(&mut store, FuncType::new([], []), |mut c, _, _| {
        let spin = c.data().expect("set after instantiation");
        c.call(spin, &[])?;
        Ok(())
    });
    let instance = Instance::new(&mut store, &module, &[Extern::Func(host)]).unwrap();
    *store.data_mut() = Some(instance.get_func("spin").unwrap());
    (store, instance)
}

/// Calls an export. A call that the interrupt failed to stop would spin forever, so a backstop ends the
/// whole test process with a failure instead of a hang.
fn call(store: &mut Store<Option<Func>>, instance: &Instance, name: &str, params: &[Val]) -> Result<Vec<Val>, Error> {
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let what = name.to_string();
    std::thread::spawn(move || {
        if finished.recv_timeout(Duration::from_secs(30)) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
            eprintln!("`{what}` still runs after 30 s: the interrupt did not stop it");
            std::process::exit(1);
        }
    });
    let result = instance.get_func(name).unwrap().call(store, params);
    drop(done);
    result
}

#[test]
fn an_endless_loop_stops_and_the_store_runs_again() {
    let (mut store, instance) = setup(true);
    let timer = store.interrupt_handle().interrupt_after(Duration::from_millis(50));
    let err = call(&mut store, &instance, "spin", &[]).unwrap_err();
    drop(timer);
    assert_eq!(err.trap(), Some(Trap::Interrupted), "{err}");
    assert!(err.to_string().starts_with("interrupted"), "{err}");
    // The request was used up by the trap.
    assert_eq!(call(&mut store, &instance, "count", &[Val::I32(1000)]).unwrap(), vec![Val::I32(1000)]);
}

#[test]
fn function_entries_stop_code_compiled_without_loop_checks() {
    let (mut store, instance) = setup(false);
    let timer = store.interrupt_handle().interrupt_after(Duration::from_millis(50));
    let err = call(&mut store, &instance, "spin_calling", &[]).unwrap_err();
    drop(timer);
    assert_eq!(err.trap(), Some(Trap::Interrupted), "{err}");
    assert_eq!(call(&mut store, &instance, "count", &[Val::I32(7)]).unwrap(), vec![Val::I32(7)]);
}

#[test]
fn a_request_made_while_nothing_runs_stops_the_next_call_only() {
    let (mut store, instance) = setup(true);
    store.interrupt_handle().interrupt();
    let err = call(&mut store, &instance, "count", &[Val::I32(5)]).unwrap_err();
    assert_eq!(err.trap(), Some(Trap::Interrupted), "{err}");
    assert_eq!(call(&mut store, &instance, "count", &[Val::I32(5)]).unwrap(), vec![Val::I32(5)]);
}

#[test]
fn an_interrupt_inside_a_nested_call_stops_the_outer_call() {
    let (mut store, instance) = setup(true);
    let timer = store.interrupt_handle().interrupt_after(Duration::from_millis(50));
    let err = call(&mut store, &instance, "via_host", &[]).unwrap_err();
    drop(timer);
    assert_eq!(err.trap(), Some(Trap::Interrupted), "{err}");
    assert_eq!(call(&mut store, &instance, "count", &[Val::I32(3)]).unwrap(), vec![Val::I32(3)]);
}

#[test]
fn loops_run_to_completion_when_nobody_interrupts() {
    // The loop check must not disturb the loop's registers (pinned locals, cached operands).
    let (mut store, instance) = setup(true);
    assert_eq!(call(&mut store, &instance, "count", &[Val::I32(10_000_000)]).unwrap(), vec![Val::I32(10_000_000)]);
}

#[test]
fn a_handle_outlives_its_store() {
    let (store, _) = setup(true);
    let handle = store.interrupt_handle();
    drop(store);
    handle.interrupt();
}

#[test]
fn a_timer_dropped_in_time_never_interrupts() {
    let (mut store, instance) = setup(true);
    drop(store.interrupt_handle().interrupt_after(Duration::from_millis(10)));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(call(&mut store, &instance, "count", &[Val::I32(4)]).unwrap(), vec![Val::I32(4)]);
}
