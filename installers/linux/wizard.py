#!/usr/bin/python3
"""servin installer wizard: a Tkinter front to install.sh.

Pages: welcome, license, consent, prefix and components, ready (with the
sudo password when root is needed), progress, then finish or failure.

The work is install.sh's: each component is one `install.sh --journal J
--step NAME` process, run with a timeout of its own; a step that fails or
runs out of time is killed (its whole process group), `install.sh --rollback`
removes everything the journal lists, and the failure page offers a retry
from a clean state. `--commit` writes the manifest at the end.

For tests: --dry-root DIR installs below DIR (install.sh's DESTDIR);
--trace FILE writes each page shown with the screen position of its
controls, and each step's outcome, so a test can drive the window with real
X input (xdotool) and know what it shows; --inject-fail COMPONENT and
--inject-hang COMPONENT make the first attempt fail or stall in that
component (install.sh's test hooks); --step-timeout overrides every step's
time limit.
"""
import argparse
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
INSTALL_SH = os.path.join(HERE, "install.sh")

# Seconds each step may take before it counts as hung.
TIMEOUTS = {"verify": 120, "binaries": 120, "image": 120, "man": 60, "completion": 60,
            "systemd": 120, "gui": 120, "commit": 60}
ROLLBACK_TIMEOUT = 120
LABELS = {"verify": "Checking the package", "binaries": "Programs", "image": "Default image",
          "man": "Manual pages", "completion": "Shell completion", "systemd": "systemd units",
          "gui": "Desktop GUI", "commit": "Recording the installation"}

try:
    import tkinter as tk
    from tkinter import filedialog, ttk
    from tkinter.scrolledtext import ScrolledText
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("servin wizard: tkinter is missing (Debian: apt install python3-tk); "
             "./install.sh installs without it")


def nearest_existing(path):
    while not os.path.exists(path) and path != os.path.dirname(path):
        path = os.path.dirname(path)
    return path


def read_components():
    """(name, present, description) for each component of this archive."""
    out = subprocess.run(["bash", INSTALL_SH, "--list-components"], check=True,
                         capture_output=True, text=True, timeout=30).stdout
    comps = []
    for line in out.splitlines():
        name, present, desc = line.split("\t", 2)
        comps.append((name, present == "1", desc))
    return comps


def read_version():
    try:
        with open(os.path.join(HERE, "payload", "VERSION"), encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return "unknown"


class Step:
    """One install.sh process with a time limit; output lines go to a queue."""

    def __init__(self, name, argv, env, timeout):
        self.name, self.argv, self.env, self.timeout = name, argv, env, timeout
        self.proc = None
        self.lines = queue.Queue()
        self.deadline = 0.0
        self.output = []

    def start(self):
        # a process group of its own, in the same session: sudo keys its
        # cached credentials on the session, and relays our signals to its
        # command (the user may signal sudo, not the root processes under it)
        self.proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, process_group=0)
        self.deadline = time.monotonic() + self.timeout
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def drain(self):
        """New output lines since the last call."""
        got = []
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return got
            if line is not None:
                got.append(line)
                self.output.append(line)

    def timed_out(self):
        return time.monotonic() > self.deadline

    def kill(self):
        """Ends the step's whole process group: TERM, then KILL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            except PermissionError:  # only root processes left: sudo is gone
                return
            try:
                self.proc.wait(timeout=3)
                return
            except subprocess.TimeoutExpired:
                continue


class Wizard:
    def __init__(self, root, args):
        self.root, self.args = root, args
        self.version = read_version()
        self.components = read_components()
        self.dry_root = os.path.abspath(args.dry_root) if args.dry_root else ""
        self.trace_file = open(args.trace, "a", encoding="utf-8") if args.trace else None
        self.attempt = 0
        self.steps, self.current = [], None
        self.journal_dir = None
        self.sudo = []
        self.installed_gui = False
        self.failure = ("", "")
        self.pages, self.page = {}, None
        self.marks = {}
        self.root_blocked = False
        self.trace_pending = False

        if "clam" in ttk.Style().theme_names():
            ttk.Style().theme_use("clam")
        root.title(f"servin {self.version} setup")
        root.geometry("680x500")
        root.minsize(600, 440)
        root.protocol("WM_DELETE_WINDOW", self.cancel)
        self.body = ttk.Frame(root, padding=16)
        self.body.pack(fill="both", expand=True)
        bar = ttk.Frame(root, padding=(16, 0, 16, 12))
        bar.pack(fill="x", side="bottom")
        self.cancel_btn = ttk.Button(bar, text="Cancel", command=self.cancel)
        self.cancel_btn.pack(side="right")
        self.next_btn = ttk.Button(bar, text="Next >", command=self.next)
        self.next_btn.pack(side="right", padx=6)
        self.back_btn = ttk.Button(bar, text="< Back", command=self.back)
        self.back_btn.pack(side="right")

        self.accept = tk.StringVar(value="no")
        self.consent = tk.BooleanVar(value=False)
        self.prefix = tk.StringVar(value=args.prefix)
        self.password = tk.StringVar()
        self.start_gui = tk.BooleanVar(value=True)
        wanted = args.components.split(",") if args.components else None
        self.selected = {name: tk.BooleanVar(value=present and (wanted is None or name in wanted))
                         for name, present, _ in self.components}
        self.accept.trace_add("write", lambda *_: self.refresh_buttons())
        self.consent.trace_add("write", lambda *_: self.refresh_buttons())

        self.order = ["welcome", "license", "consent", "options", "ready", "progress"]
        for name in self.order + ["finish", "failure"]:
            frame = ttk.Frame(self.body)
            getattr(self, "build_" + name)(frame)
            self.pages[name] = frame
        self.show("welcome")

    # ------------------------------------------------------------ tracing

    def trace(self, *words):
        if self.trace_file:
            self.trace_file.write(" ".join(str(w) for w in words) + "\n")
            self.trace_file.flush()

    def mark(self, page, key, widget):
        """Names a control so --trace reports where it is."""
        self.marks.setdefault(page, []).append((key, widget))

    def trace_page(self):
        self.trace_pending = False
        if not self.trace_file:
            return
        self.root.update_idletasks()
        self.root.update()
        controls = self.marks.get(self.page, []) + [
            ("back", self.back_btn), ("next", self.next_btn), ("cancel", self.cancel_btn)]
        for key, w in controls:
            if w.winfo_ismapped():
                x = w.winfo_rootx() + w.winfo_width() // 2
                y = w.winfo_rooty() + w.winfo_height() // 2
                self.trace("widget", key, x, y, "disabled" if w.instate(["disabled"]) else "normal")
        self.trace("page", self.page)

    # ------------------------------------------------------------ pages

    def title(self, frame, text, sub=None):
        ttk.Label(frame, text=text, font=("TkDefaultFont", 15, "bold")).pack(anchor="w")
        if sub:
            ttk.Label(frame, text=sub, wraplength=620, justify="left").pack(anchor="w", pady=(6, 10))

    def build_welcome(self, f):
        self.title(f, f"Welcome to servin {self.version}",
                   "servin is a daemonless, Docker-compatible container runtime for Linux. "
                   "This wizard installs it on this machine:")
        for name, present, desc in self.components:
            if present:
                ttk.Label(f, text="  \u2022 " + desc).pack(anchor="w")
        if self.dry_root:
            ttk.Label(f, text=f"\nTest mode: everything goes below the staging root {self.dry_root}.",
                      foreground="#8a4b00").pack(anchor="w")
        ttk.Label(f, text="\nClick Next to continue, or Cancel to leave without changing anything.").pack(anchor="w")

    def build_license(self, f):
        self.title(f, "License", "servin is distributed under the Apache License 2.0. Please read it.")
        text = ScrolledText(f, height=14, wrap="word")
        try:
            with open(os.path.join(HERE, "LICENSE"), encoding="utf-8") as lf:
                text.insert("1.0", lf.read())
        except OSError as e:
            text.insert("1.0", f"The LICENSE file of this package is missing ({e}).")
        text.configure(state="disabled")
        text.pack(fill="both", expand=True)
        yes = ttk.Radiobutton(f, text="I accept the terms of the license", variable=self.accept, value="yes")
        no = ttk.Radiobutton(f, text="I do not accept", variable=self.accept, value="no")
        yes.pack(anchor="w", pady=(8, 0))
        no.pack(anchor="w")
        self.mark("license", "accept", yes)
        self.mark("license", "decline", no)

    def build_consent(self, f):
        self.title(f, "What this installer will do",
                   "Before anything is written, here is what installing servin changes on this machine:")
        points = [
            "It copies files below the folder you choose next (by default /usr/local), and a list of "
            "them (the manifest) so that they can be removed later.",
            "With the systemd component it adds the units servin.socket and servin.service, and "
            "creates the group servin. It enables and starts nothing.",
            "If that folder needs administrator rights, it runs its steps with sudo, after asking "
            "for your password.",
            "If any step fails or takes too long, everything it wrote is removed again.",
            "It sends nothing over the network.",
        ]
        for p in points:
            ttk.Label(f, text="\u2022 " + p, wraplength=620, justify="left").pack(anchor="w", pady=2)
        box = ttk.Checkbutton(f, text="I agree that the installer makes these changes", variable=self.consent)
        box.pack(anchor="w", pady=(14, 0))
        self.mark("consent", "agree", box)

    def build_options(self, f):
        self.title(f, "Where and what", "Install below this folder:")
        row = ttk.Frame(f)
        row.pack(fill="x")
        entry = ttk.Entry(row, textvariable=self.prefix)
        entry.pack(side="left", fill="x", expand=True)
        browse = ttk.Button(row, text="Browse\u2026", command=self.browse)
        browse.pack(side="left", padx=(6, 0))
        self.mark("options", "prefix", entry)
        self.prefix_error = ttk.Label(f, text="", foreground="#b00020")
        self.prefix_error.pack(anchor="w")
        self.prefix.trace_add("write", lambda *_: self.refresh_buttons())
        ttk.Label(f, text="Components:").pack(anchor="w", pady=(10, 4))
        for name, present, desc in self.components:
            text = desc if present else desc + " (not in this package)"
            box = ttk.Checkbutton(f, text=text, variable=self.selected[name])
            if not present or name == "binaries":
                box.state(["disabled"])
            box.pack(anchor="w")
            self.mark("options", "component-" + name, box)

    def build_ready(self, f):
        self.title(f, "Ready to install")
        self.summary = ttk.Label(f, text="", wraplength=620, justify="left")
        self.summary.pack(anchor="w")
        self.root_frame = ttk.Frame(f)
        ttk.Label(self.root_frame, text="Password for sudo:").pack(side="left")
        pw = ttk.Entry(self.root_frame, textvariable=self.password, show="*")
        pw.pack(side="left", padx=6)
        self.mark("ready", "password", pw)
        self.root_error = ttk.Label(f, text="", foreground="#b00020", wraplength=620, justify="left")

    def build_progress(self, f):
        self.title(f, "Installing")
        self.step_list = ttk.Frame(f)
        self.step_list.pack(fill="x")
        self.bar = ttk.Progressbar(f, mode="determinate")
        self.bar.pack(fill="x", pady=8)
        self.log = ScrolledText(f, height=9, wrap="word", state="disabled")
        self.log.pack(fill="both", expand=True)

    def build_finish(self, f):
        self.title(f, "servin is installed")
        self.finish_text = ttk.Label(f, text="", wraplength=620, justify="left")
        self.finish_text.pack(anchor="w")
        self.gui_box = ttk.Checkbutton(f, text="Start the servin GUI now", variable=self.start_gui)
        self.mark("finish", "start-gui", self.gui_box)

    def build_failure(self, f):
        ttk.Label(f, text="Installation failed", font=("TkDefaultFont", 15, "bold"),
                  foreground="#b00020").pack(anchor="w")
        self.failure_text = ttk.Label(f, text="", wraplength=620, justify="left")
        self.failure_text.pack(anchor="w", pady=(6, 6))
        self.failure_log = ScrolledText(f, height=10, wrap="word")
        self.failure_log.pack(fill="both", expand=True)

    # ------------------------------------------------------------ navigation

    def show(self, name):
        if self.page:
            self.pages[self.page].pack_forget()
        self.page = name
        getattr(self, "enter_" + name, lambda: None)()
        self.pages[name].pack(fill="both", expand=True)
        self.refresh_buttons()

    def refresh_buttons(self):
        p = self.page
        labels = {"ready": "Install", "finish": "Finish", "failure": "Retry"}
        self.next_btn.configure(text=labels.get(p, "Next >"))
        ok = {
            "license": self.accept.get() == "yes",
            "consent": self.consent.get(),
            "options": self.prefix_problem() is None,
            "ready": not self.root_blocked,
            "progress": False,
        }.get(p, True)
        self.next_btn.state(["!disabled"] if ok else ["disabled"])
        back_ok = p in ("license", "consent", "options", "ready", "failure")
        self.back_btn.state(["!disabled"] if back_ok else ["disabled"])
        self.cancel_btn.configure(text="Close" if p in ("finish", "failure") else "Cancel")
        self.cancel_btn.state(["disabled"] if p == "finish" else ["!disabled"])
        if p == "options":
            self.prefix_error.configure(text=self.prefix_problem() or "")
        if self.trace_file and not self.trace_pending:
            # controls changed: report them again (once per burst of changes)
            self.trace_pending = True
            self.root.after(50, self.trace_page)

    def next(self):
        p = self.page
        if p in ("welcome", "license", "consent", "options"):
            self.show(self.order[self.order.index(p) + 1])
        elif p == "ready":
            self.begin()
        elif p == "failure":
            self.trace("retry")
            self.begin()
        elif p == "finish":
            self.finish()

    def back(self):
        p = self.page
        if p == "failure":
            self.show("options")
        elif p in self.order and self.order.index(p) > 0:
            self.show(self.order[self.order.index(p) - 1])

    def cancel(self):
        if self.page == "progress" and self.current:
            self.trace("cancel")
            self.current.kill()
            self.current = None
            self.rollback()
        self.quit(1 if self.page != "finish" else 0)

    def quit(self, code):
        self.trace("exit", code)
        self.exit_code = code
        self.root.destroy()

    def browse(self):
        d = filedialog.askdirectory(initialdir=nearest_existing(self.prefix.get() or "/"))
        if d:
            self.prefix.set(d)

    # ------------------------------------------------------------ decisions

    def prefix_problem(self):
        p = self.prefix.get().strip()
        if not p.startswith("/"):
            return "The folder must be an absolute path, such as /usr/local."
        if "\t" in p or "\n" in p:
            return "The folder name may not hold tabs or line breaks."
        return None

    def chosen(self):
        return [name for name, present, _ in self.components if present and self.selected[name].get()]

    def target(self, path):
        return self.dry_root + path if self.dry_root else path

    def needs_root(self):
        if os.geteuid() == 0:
            return False
        places = [self.prefix.get().strip()]
        if "systemd" in self.chosen():
            places.append("/etc/systemd/system")
        return any(not os.access(nearest_existing(self.target(p)), os.W_OK) for p in places)

    def enter_ready(self):
        prefix = self.prefix.get().strip().rstrip("/") or "/"
        lines = [f"servin {self.version} goes below {self.target(prefix)}:"]
        lines += ["   \u2022 " + LABELS[c] for c in self.chosen()]
        if self.dry_root:
            lines.append(f"\nStaging root (test mode): {self.dry_root}; groups and systemd are not touched.")
        lines.append(f"\nTo remove it later: {prefix}/share/servin/install.sh --uninstall")
        self.summary.configure(text="\n".join(lines))
        self.root_error.configure(text="")
        self.root_frame.pack_forget()
        self.root_error.pack_forget()
        self.root_blocked = False
        if self.needs_root():
            if shutil.which("sudo"):
                self.root_frame.pack(anchor="w", pady=(12, 0))
            else:
                self.root_blocked = True
                self.root_error.configure(text="Writing there needs administrator rights, and sudo is not "
                                               "installed: start this wizard as root, or choose a folder "
                                               "of your own (Back).")
            self.root_error.pack(anchor="w", pady=(8, 0))

    # ------------------------------------------------------------ installing

    def get_sudo(self):
        """Validates the password with sudo; steps then run with sudo -n."""
        if not self.needs_root():
            return []
        r = subprocess.run(["sudo", "-S", "-p", "", "-v"], input=self.password.get() + "\n",
                           capture_output=True, text=True, timeout=60)
        self.password.set("")
        if r.returncode != 0:
            said = r.stderr.strip()
            if "incorrect password" in said:
                raise RuntimeError("sudo did not accept the password: type it again.")
            if "not in the sudoers" in said or "may not run sudo" in said:
                raise RuntimeError("This user may not use sudo: start the wizard as root, or choose a "
                                   "folder of your own (Back).")
            raise RuntimeError("sudo refused: " + (said.splitlines()[-1] if said else "no reason given"))
        return ["sudo", "-n"]

    def step_argv(self, what):
        prefix = self.prefix.get().strip()
        env = [f"DESTDIR={self.dry_root}"]
        if self.attempt == 1 and self.args.inject_fail:
            env.append(f"SERVIN_INSTALL_FAIL_AFTER={self.args.inject_fail}")
        if self.attempt == 1 and self.args.inject_hang:
            env.append(f"SERVIN_INSTALL_SLEEP_IN={self.args.inject_hang}:3600")
        base = self.sudo + ["env"] + env + ["bash", INSTALL_SH, "--prefix", prefix,
                                            "--journal", os.path.join(self.journal_dir, "journal")]
        if what == "verify":
            return self.sudo + ["bash", INSTALL_SH, "--verify"]
        if what == "commit":
            return base + ["--commit"]
        if what == "rollback":
            return base + ["--rollback"]
        return base + ["--components", ",".join(self.chosen()), "--step", what]

    def begin(self):
        self.attempt += 1
        try:
            self.sudo = self.get_sudo()
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            self.attempt -= 1
            self.trace("sudo", "refused")
            self.root_error.configure(text=str(e))
            self.root_error.pack(anchor="w", pady=(8, 0))
            self.refresh_buttons()
            return
        self.journal_dir = tempfile.mkdtemp(prefix="servin-wizard.")
        if self.sudo:
            os.chmod(self.journal_dir, 0o755)
        names = ["verify"] + self.chosen() + ["commit"]
        self.steps = names
        self.step_state = {}
        for w in self.step_list.winfo_children():
            w.destroy()
        for n in names:
            lab = ttk.Label(self.step_list, text=f"\u25cb  {LABELS[n]}")
            lab.pack(anchor="w")
            self.step_state[n] = lab
        self.bar.configure(maximum=len(names), value=0)
        self.log.configure(state="normal")
        self.log.delete("1.0", "end")
        self.log.configure(state="disabled")
        self.trace("attempt", self.attempt)
        self.show("progress")
        self.run_step(0)

    def log_lines(self, lines):
        if not lines:
            return
        self.log.configure(state="normal")
        for line in lines:
            self.log.insert("end", line + "\n")
        self.log.see("end")
        self.log.configure(state="disabled")

    def run_step(self, i):
        if i == len(self.steps):
            self.succeeded()
            return
        name = self.steps[i]
        timeout = self.args.step_timeout or TIMEOUTS.get(name, 120)
        env = dict(os.environ, LC_ALL="C.UTF-8")
        self.current = Step(name, self.step_argv(name), env, timeout)
        self.step_state[name].configure(text=f"\u25b6  {LABELS[name]} \u2026")
        self.trace("step", name, "running")
        try:
            self.current.start()
        except OSError as e:
            self.failed(name, f"could not start install.sh: {e}")
            return
        self.root.after(100, self.poll_step, i)

    def poll_step(self, i):
        step = self.current
        if step is None:  # cancelled
            return
        self.log_lines(step.drain())
        rc = step.proc.poll()
        if rc is None:
            if step.timed_out():
                step.kill()
                self.log_lines(step.drain())
                self.failed(step.name, f"it did not finish within {step.timeout} s and was stopped")
                return
            self.root.after(100, self.poll_step, i)
            return
        step.proc.stdout.close()
        self.log_lines(step.drain())
        if rc != 0:
            errors = [line for line in step.output if "error:" in line]
            self.failed(step.name, errors[-1].split("error:", 1)[1].strip() if errors else f"exit status {rc}")
            return
        self.step_state[step.name].configure(text=f"\u2714  {LABELS[step.name]}")
        self.trace("step", step.name, "done")
        self.bar.configure(value=i + 1)
        self.run_step(i + 1)

    def rollback(self):
        """Undoes the journal; True when install.sh says nothing is left."""
        if not self.journal_dir:
            return True
        try:
            r = subprocess.run(self.step_argv("rollback"), capture_output=True, text=True,
                               timeout=ROLLBACK_TIMEOUT, stdin=subprocess.DEVNULL)
            ok = r.returncode == 0
            self.log_lines((r.stdout + r.stderr).splitlines())
        except subprocess.TimeoutExpired:
            ok = False
        shutil.rmtree(self.journal_dir, ignore_errors=True)
        self.journal_dir = None
        self.trace("rolled-back", "ok" if ok else "incomplete")
        return ok

    def failed(self, name, why):
        self.current = None
        self.step_state[name].configure(text=f"\u2718  {LABELS[name]}: failed")
        self.trace("step", name, "failed")
        clean = self.rollback()
        undo = ("Everything this installer wrote has been removed again: the machine is as it was "
                "before." if clean else
                "Removing what was written did not complete; the log below says what is left.")
        self.failure_text.configure(text=f"The step \u201c{LABELS[name]}\u201d failed: {why}.\n\n{undo}\n\n"
                                         "Retry installs again from the start; Back changes the folder "
                                         "or the components.")
        self.failure_log.delete("1.0", "end")
        self.failure_log.insert("1.0", self.log.get("1.0", "end"))
        self.failure_log.see("end")
        self.trace("failed", name, why)
        self.show("failure")

    def succeeded(self):
        self.current = None
        shutil.rmtree(self.journal_dir, ignore_errors=True)
        self.journal_dir = None
        prefix = self.prefix.get().strip().rstrip("/") or "/"
        chosen = self.chosen()
        text = [f"servin {self.version} is installed below {self.target(prefix)}."]
        if "systemd" in chosen:
            text.append("\nThe API server is not enabled. To start it: sudo systemctl enable --now servin.socket")
        text.append(f"\nTo remove servin: {prefix}/share/servin/install.sh --uninstall")
        self.installed_gui = "gui" in chosen
        if not self.installed_gui:
            text.append("\nThis package holds no desktop GUI; servin-desktop is the terminal workstation.")
        self.finish_text.configure(text="\n".join(text))
        if self.installed_gui:
            self.gui_box.pack(anchor="w", pady=(14, 0))
        else:
            self.gui_box.pack_forget()
        self.trace("installed")
        self.show("finish")

    def finish(self):
        if self.installed_gui and self.start_gui.get():
            prefix = self.prefix.get().strip().rstrip("/")
            gui = self.target(prefix + "/bin/servin-gui")
            try:
                p = subprocess.Popen([gui], start_new_session=True, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self.trace("gui-started", p.pid)
            except OSError as e:
                self.trace("gui-failed", e)
        self.quit(0)


def main():
    ap = argparse.ArgumentParser(description="servin graphical installer")
    ap.add_argument("--prefix", default="/usr/local", help="install below this folder")
    ap.add_argument("--components", help="comma-separated components to preselect")
    ap.add_argument("--dry-root", metavar="DIR", help="install below the staging root DIR (tests)")
    ap.add_argument("--trace", metavar="FILE", help="write pages, control positions and outcomes to FILE")
    ap.add_argument("--step-timeout", type=float, help="seconds every step may take (tests)")
    ap.add_argument("--inject-fail", metavar="COMPONENT", help="first attempt fails after COMPONENT (tests)")
    ap.add_argument("--inject-hang", metavar="COMPONENT", help="first attempt stalls in COMPONENT (tests)")
    ap.add_argument("--no-systemd", action="store_true", help="leave the systemd units out")
    ap.add_argument("--no-gui", action="store_true", help="leave the desktop GUI out")
    args = ap.parse_args()
    if args.no_systemd or args.no_gui:
        drop = {"systemd"} if args.no_systemd else set()
        drop |= {"gui"} if args.no_gui else set()
        names = [c[0] for c in read_components()]
        args.components = ",".join(n for n in (args.components.split(",") if args.components else names)
                                   if n not in drop)
    try:
        root = tk.Tk()
    except tk.TclError as e:
        sys.exit(f"servin wizard: cannot open a window ({e}); ./install.sh installs from a terminal")
    w = Wizard(root, args)
    w.exit_code = 1
    root.mainloop()
    sys.exit(w.exit_code)


if __name__ == "__main__":
    main()
