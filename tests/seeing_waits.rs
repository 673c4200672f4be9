//! The dump says what each idle task waits on: every future of the
//! runtime's that returns `Pending` records it (`TaskInfo::waiting_on`),
//! and a scheduled task says how long ago it was woken.
mod common;
use runtime::io::AsyncReadExt;
use runtime::net::{TcpListener, TcpStream};
use runtime::signal::unix::{signal, SignalKind};
use runtime::task::{self, TaskInfo, TaskState};
use runtime::{fs, process, time};
use std::time::Duration;

/// Spawns a named task.
#[track_caller]
fn named<F>(name: &str, f: F) -> task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    task::Builder::new().name(name).spawn(f).unwrap()
}

/// The list of tasks once every task named in `names` is idle with what it
/// waits on recorded (or, for those in `outside`, idle at all). Polls the
/// list (at most for a minute: the tasks only need to reach their first
/// `Pending`).
async fn when_all_idle(names: &[&str], outside: &[&str]) -> Vec<TaskInfo> {
    for _ in 0..12_000 {
        let tasks = task::all_tasks();
        let ready = |n: &&str| {
            tasks.iter().any(|t| {
                t.name() == Some(*n)
                    && t.state() == TaskState::Idle
                    && (outside.contains(n) || t.waiting_on().is_some())
            })
        };
        if names.iter().chain(outside).all(ready) {
            return tasks;
        }
        time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the tasks never all went idle: {:#?}", task::all_tasks());
}

fn waits_of<'a>(tasks: &'a [TaskInfo], name: &str) -> &'a TaskInfo {
    tasks
        .iter()
        .find(|t| t.name() == Some(name))
        .unwrap_or_else(|| panic!("no task {name:?} in {tasks:#?}"))
}

both_flavors!(
    an_idle_task_says_which_timer_socket_or_task_it_waits_on,
    |rt| {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let server = listener.local_addr().unwrap();
            let mut client = TcpStream::connect(server).await.unwrap();
            let client_addr = client.local_addr().unwrap();
            let (_accepted, _) = listener.accept().await.unwrap();
            let other = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let other_addr = other.local_addr().unwrap();

            let sleeper = named("sleeper", async {
                time::sleep(Duration::from_secs(60)).await;
            });
            let sleeper_id = sleeper.id();
            let reader = named("reader", async move {
                let mut buf = [0u8; 8];
                let _ = client.read(&mut buf).await;
            });
            let acceptor = named("acceptor", async move {
                let _ = other.accept().await;
            });
            let joiner = named("joiner", async move {
                let _ = sleeper.await;
            });
            let (tx, rx) = runtime::sync::oneshot::channel::<()>();
            let channel = named("channel", async move {
                let _ = rx.await;
            });

            let names = ["sleeper", "reader", "acceptor", "joiner"];
            let tasks = when_all_idle(&names, &["channel"]).await;

            let sleep = waits_of(&tasks, "sleeper").waiting_on().unwrap();
            assert!(sleep.starts_with("sleep until +"), "{sleep}");
            assert!(sleep.contains("(at tests/seeing_waits.rs:"), "{sleep}");
            assert_eq!(
                waits_of(&tasks, "reader").waiting_on(),
                Some(&*format!("readable on TcpStream {client_addr} → {server}"))
            );
            assert_eq!(
                waits_of(&tasks, "acceptor").waiting_on(),
                Some(&*format!("readable on TcpListener {other_addr}"))
            );
            assert_eq!(
                waits_of(&tasks, "joiner").waiting_on(),
                Some(&*format!("join of Task#{sleeper_id} \"sleeper\""))
            );
            let chan = waits_of(&tasks, "channel");
            assert_eq!(chan.waiting_on(), None);
            assert!(
                chan.to_string()
                    .contains("waiting on something the runtime does not own"),
                "{chan}"
            );
            // The dump prints the same.
            let dump = runtime::Handle::current().dump().to_string();
            assert!(dump.contains(&format!("waiting on {sleep}")), "{dump}");

            drop(tx);
            for h in [reader, acceptor, joiner, channel] {
                h.abort();
            }
            for t in task::all_tasks() {
                t.abort_handle().abort();
            }
        });
    }
);

both_flavors!(
    an_idle_task_says_which_job_signal_child_or_file_it_waits_on,
    |rt| {
        rt.block_on(async {
            let (release, wait) = std::sync::mpsc::channel::<()>();
            let blocking = named("blocking", async move {
                let _ = runtime::spawn_blocking(move || wait.recv()).await;
            });
            let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
            let signalled = named("signalled", async move {
                usr1.recv().await;
            });
            let mut child = process::Command::new("sleep").arg("60").spawn().unwrap();
            let pid = child.id().unwrap();
            let (kill, killed) = runtime::sync::oneshot::channel::<()>();
            let parent = named("parent", async move {
                runtime::select! {
                    _ = child.wait() => {}
                    _ = killed => {
                        child.kill().await.unwrap();
                    }
                }
            });
            // Opening a FIFO for reading blocks (on the blocking pool) until a
            // writer opens it.
            let dir =
                std::env::temp_dir().join(format!("runtime-waits-{}-{pid}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let fifo = dir.join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: mkfifo(3) reads the NUL-terminated path and touches no
            // other memory.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let path = fifo.clone();
            let reader = named("file", async move {
                let _ = fs::read(path).await;
            });

            let tasks = when_all_idle(&["blocking", "signalled", "parent", "file"], &[]).await;
            let job = waits_of(&tasks, "blocking").waiting_on().unwrap();
            assert!(job.starts_with("blocking job #"), "{job}");
            assert_eq!(
                waits_of(&tasks, "signalled").waiting_on(),
                Some("signal SIGUSR1")
            );
            // The last future polled in the `select!` wins: the oneshot, which
            // is not the runtime's, records nothing, so the child's wait shows.
            assert_eq!(
                waits_of(&tasks, "parent").waiting_on(),
                Some(&*format!("child process {pid}"))
            );
            assert_eq!(
                waits_of(&tasks, "file").waiting_on(),
                Some("I/O on the blocking pool (fs::read)")
            );

            release.send(()).unwrap();
            kill.send(()).unwrap();
            std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            blocking.await.unwrap();
            parent.await.unwrap();
            reader.await.unwrap();
            signalled.abort();
            std::fs::remove_dir_all(&dir).unwrap();
        });
    }
);

both_flavors!(a_timeout_names_its_inner_future_not_its_deadline, |rt| {
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(server).await.unwrap();
        let client_addr = client.local_addr().unwrap();
        let (_accepted, _) = listener.accept().await.unwrap();
        let h = named("bounded", async move {
            let mut buf = [0u8; 8];
            let _ = time::timeout(Duration::from_secs(60), client.read(&mut buf)).await;
        });
        let tasks = when_all_idle(&["bounded"], &[]).await;
        assert_eq!(
            waits_of(&tasks, "bounded").waiting_on(),
            Some(&*format!("readable on TcpStream {client_addr} → {server}"))
        );
        h.abort();
    });
});

#[test]
fn a_scheduled_task_says_how_long_ago_it_was_woken() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    // Runs once, so the runtime's thread has read the clocks.
    rt.block_on(async { task::yield_now().await });
    // Queued from outside while nobody drives the runtime: it stays
    // scheduled until the next `block_on`.
    let h = rt.spawn(async {});
    std::thread::sleep(Duration::from_millis(30));
    let tasks = rt.handle().tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].state(), TaskState::Scheduled);
    let ago = tasks[0].since_woken().expect("woken time known");
    assert!(ago >= Duration::from_millis(30), "{ago:?}");
    assert!(tasks[0].to_string().contains(" ago"), "{}", tasks[0]);
    rt.block_on(h).unwrap();
}
