#!/usr/bin/env python3
"""The Studio in a real X window (Xvfb, the xcb platform), driven by real key events
(xdotool): open a dataset through File → Open dataset's dialog, Start, wait for the first
chart point, Stop, switch to Inspect, open the sample mail through its dialog, quit. Each
stage is checked from outside: the run's files on disk and the pixels of the screen.

Usage: real_window.py STUDIO SAMPLE_MAIL OUT_DIR   (screenshots of the real window in OUT_DIR)
Exit 77 (ctest: skipped) where Xvfb, xdotool or Pillow is missing.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77


def main():
    studio, mail, out = (os.path.abspath(a) for a in sys.argv[1:4])
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    try:
        from PIL import ImageGrab
    except ImportError:
        missing.append("python3-pil")
    if missing:
        print("skipped: no " + ", ".join(missing) + " (scripts/setup installs them)")
        return SKIP
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="ff-real-window-")
    # A display number no X server holds (its lock file names the holder).
    number = next(n for n in range(90, 200) if not os.path.exists("/tmp/.X%d-lock" % n))
    display = ":%d" % number
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp", "-noreset"],
                            stderr=open(os.path.join(work, "xvfb.log"), "w"))
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=os.path.join(work, "config"),
               HOME=work, XDG_RUNTIME_DIR=work)
    env.pop("QT_QPA_PLATFORMTHEME", None)
    # Clients are refused until it listens.
    for _ in range(50):
        if subprocess.run(["xdotool", "getdisplaygeometry"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.2)
    else:
        with open(os.path.join(work, "xvfb.log")) as f:
            print("FAIL: Xvfb on %s accepts no client; it said:\n%s" % (display, f.read()[-2000:]))
        xvfb.kill()
        return 1
    app = None
    try:
        dataset = os.path.join(work, "tiny.tsv")
        with open(dataset, "w") as f:  # two labels a small model tells apart at once
            for i in range(20000):  # 3 epochs of 500 steps of 32: still training when Stop comes
                f.write(("pos\tgood fine nice happy %d\n" if i % 2 else "neg\tbad awful poor sad %d\n") % i)
        app = subprocess.Popen([studio, "--workspace", "train"], cwd=work, env=env,
                               stdout=open(os.path.join(work, "studio.log"), "w"), stderr=subprocess.STDOUT)

        def xdo(*args):
            return subprocess.run(["xdotool", *args], env=env, check=True, capture_output=True, text=True).stdout

        def wait_for(what, test, timeout):
            end = time.time() + timeout
            while time.time() < end:
                if app.poll() is not None:
                    raise SystemExit("FAIL: the Studio exited (%s) while waiting for %s" % (app.returncode, what))
                if test():
                    return
                time.sleep(0.2)
            try:
                ImageGrab.grab(xdisplay=display).save(os.path.join(out, "failed.png"))
            finally:
                raise SystemExit("FAIL: no %s after %d s (the screen: %s)" % (what, timeout, os.path.join(out, "failed.png")))

        def main_window():
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Fastformer Studio"], env=env,
                                   capture_output=True, text=True).stdout.split()
            return found[0] if found else None

        def focused_name():
            return subprocess.run(["xdotool", "getwindowfocus", "getwindowname"], env=env, capture_output=True,
                                  text=True).stdout.strip()

        def keys(*combo):
            xdo("key", "--clearmodifiers", *combo)
            time.sleep(0.3)

        def visible():
            return subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "."], env=env, capture_output=True,
                                  text=True).stdout.split()

        def through_dialog(shortcut, title_word, path):
            keys(shortcut)
            wait_for("'%s' dialog" % title_word, lambda: title_word.lower() in focused_name().lower(), 20)
            dialog = xdo("getwindowfocus").strip()
            xdo("type", "--delay", "5", path)
            keys("Return")
            wait_for("the dialog to close", lambda: dialog not in visible(), 20)
            xdo("windowfocus", "--sync", window)

        def shot(name):
            image = ImageGrab.grab(xdisplay=display)
            image.save(os.path.join(out, name))
            return image.convert("RGB")

        def count(image, box, test):
            x0, y0, x1, y1 = box
            pixels = image.crop(box).getdata()
            return sum(1 for p in pixels if test(p))

        wait_for("main window", lambda: main_window() is not None, 60)
        window = main_window()
        xdo("windowmove", "--sync", window, "0", "0")
        xdo("windowsize", "--sync", window, "1600", "1000")
        xdo("windowfocus", "--sync", window)
        time.sleep(1.0)

        # 1. File → Open dataset (Ctrl+Shift+D): its dialog takes the typed path.
        through_dialog("ctrl+shift+d", "dataset", dataset)
        time.sleep(1.0)
        # 2. Start (Ctrl+Return): the run's first step reaches metrics.jsonl, and its curve the chart.
        keys("ctrl+Return")

        def first_step():
            for path in glob.glob(os.path.join(work, "runs", "*", "metrics.jsonl")):
                with open(path) as f:
                    if '"type":"step"' in f.read().replace(" ", ""):
                        return True
            return False

        wait_for("first training step", first_step, 120)
        time.sleep(1.5)  # the throttled replot
        train = shot("studio-real-train.png")
        # The charts' side of the window (the dataset's bars on the left share the colour).
        blue = count(train, (int(0.42 * train.width), 0, train.width, int(0.75 * train.height)),
                     lambda p: abs(p[0] - 0x1f) < 30 and abs(p[1] - 0x77) < 30 and abs(p[2] - 0xb4) < 30)
        if blue < 200:
            raise SystemExit("FAIL: no run curve on the Train charts (%d pixels of the run's colour)" % blue)
        # 3. Stop (Ctrl+.): no step is logged any more, long before the run's 1,500.
        keys("ctrl+period")
        metrics = glob.glob(os.path.join(work, "runs", "*", "metrics.jsonl"))[0]

        def steps_logged():
            with open(metrics) as f:
                return sum(1 for line in f if '"type":"step"' in line.replace(" ", ""))

        seen = [steps_logged(), time.time()]

        def settled():  # the same count for 3 s
            now = steps_logged()
            if now != seen[0]:
                seen[:] = [now, time.time()]
            return time.time() - seen[1] > 3.0

        wait_for("the run to stop", settled, 180)
        steps = steps_logged()
        if steps >= 1200:
            raise SystemExit("FAIL: Stop did not stop the run (%d of 1,500 steps done)" % steps)
        # 4. Inspect (Ctrl+2), then Open document (Ctrl+Shift+O) with the sample mail: shaded words.
        keys("ctrl+2")
        time.sleep(1.0)
        before = shot("studio-real-inspect-empty.png")

        def shaded(image):  # the α shading's oranges over the document
            return count(image, (0, 0, image.width, image.height),
                         lambda p: p[0] > 200 and 80 < p[1] < 215 and p[2] < 170 and p[0] - p[2] > 70)

        through_dialog("ctrl+shift+o", "document", mail)
        wait_for("shaded document", lambda: shaded(ImageGrab.grab(xdisplay=display).convert("RGB")) > 5 * shaded(before) + 3000, 90)
        time.sleep(1.0)
        shot("studio-real-inspect.png")
        # 5. Quit (Ctrl+Q): a clean exit.
        keys("ctrl+q")
        try:
            code = app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise SystemExit("FAIL: the Studio did not quit on Ctrl+Q")
        if code != 0:
            raise SystemExit("FAIL: the Studio exited with %d" % code)
        print("real window: dataset opened, trained, stopped, a mail inspected, quit; screenshots in " + out)
        return 0
    except BaseException:
        if os.path.exists(os.path.join(work, "studio.log")):
            with open(os.path.join(work, "studio.log")) as f:
                sys.stdout.write("The Studio's output:\n" + f.read()[-3000:])
        raise
    finally:
        if app is not None and app.poll() is None:
            app.kill()
        xvfb.terminate()
        xvfb.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
