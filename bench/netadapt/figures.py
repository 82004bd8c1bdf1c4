#!/usr/bin/env python3
"""Tables and plot data of make bench-netadapt (bench/netadapt/figures.sh).

Reads OUT/<net>.{profile,run,adapt-lut,adapt-macs,adapted-run}.json and
writes OUT/netadapt.md (markdown tables), OUT/netadapt.tsv (one block per
network and cost, for gnuplot) and OUT/netadapt.gp (the plot script).

    figures.py OUT STEP NET...
"""
import json
import math
import os
import sys

out, step = sys.argv[1], float(sys.argv[2])
nets = sys.argv[3:]


def load(net, what):
    with open(os.path.join(out, "%s.%s.json" % (net, what))) as f:
        return json.load(f)


def conv_fc(run):
    """The conv/FC device layers of an accelctl run --json (the LUT's)."""
    return [l for l in run["layers"] if "shape" in l and l["on"] == "device"]


def pct(x):
    return "%.1f" % (100 * x)


def db(x):
    return "inf" if x is None or x == math.inf else "%.1f" % x


md = []
tsv = []
series = []
summary = []
md.append("Budgets: a share of each network's conv/FC energy (by its LUT), "
          "`--step %g`; agreement on the `.holdout` samples, chosen on "
          "the `.calib` samples.\n" % step)

# LUT against whole-network runs of the quantized models
md.append("### The LUT against a whole-network run (float networks, quantized)\n")
md.append("Reproduce: `make bench-netadapt`; per network `build/bin/accelctl -d emu --json profile "
          "build/models/NET-reduced-float.onnx -o NET.lut`, `build/bin/accelctl quantize "
          "build/models/NET-reduced-float.onnx --calib build/models/NET-reduced-float.calib -o NET.int8.onnx`, "
          "`build/bin/accelctl -d emu --json run NET.int8.onnx --input build/models/NET-reduced-float.input.pb` "
          "(the last column: the LUT-adapted model, quantized, `run --check`).\n")
md.append("| network | conv/FC layers | LUT energy (uJ) | run: conv/FC energy (uJ) | "
          "LUT / whole run: energy | cycles | DRAM words | adapted: LUT / run conv/FC energy | "
          "iterations: worst abs(LUT / measured - 1) |")
md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for net in nets:
    p, r, ar, al = (load(net, "profile"), load(net, "run"), load(net, "adapted-run"),
                    load(net, "adapt-lut"))
    conv = conv_fc(r)
    e_conv = sum(l["measured"]["energy_pj"]["total"] for l in conv) / 1e6
    e_ad = sum(l["measured"]["energy_pj"]["total"] for l in conv_fc(ar)) / 1e6
    worst = max([abs(it["figure"] / it["measured"] - 1) for how in ("lut", "macs")
                 for it in load(net, "adapt-" + how)["iterations"]] or [0])
    md.append("| %s-reduced-float | %d | %.3f | %.3f | %.4f | %.4f | %.4f | %.6f | %.2g |" % (
        net, len(p["layers"]), p["total"]["energy_pj"]["total"] / 1e6, e_conv,
        p["total"]["energy_pj"]["total"] / r["total"]["energy_pj"]["total"],
        p["total"]["cycles"] / r["total"]["cycles"],
        p["total"]["dram_words"] / r["total"]["dram_words"],
        al["final"]["figure"] / e_ad, worst))
md.append("")

for net in nets:
    p = load(net, "profile")
    e0 = p["total"]["energy_pj"]["total"] / 1e6
    lat0 = None
    runs = {how: load(net, "adapt-" + how) for how in ("lut", "macs")}
    budget = runs["lut"]["budget"]["value"]
    md.append("### %s-reduced-float: budget energy=%.4g uJ (original %.4g uJ)\n" % (net, budget, e0))
    md.append("```\nbuild/bin/accelctl -d emu --json adapt build/models/%s-reduced-float.onnx "
              "--calib build/models/%s-reduced-float.calib --eval build/models/%s-reduced-float.holdout "
              "--lut build/bench/netadapt/%s.lut --budget energy=%.6g --step %g --measure-iterations "
              "[--proxy macs] -o OUT.onnx\n```\n" % (net, net, net, net, budget, step))
    md.append("| cost | iteration | pruned (kept / had) | LUT energy (uJ) | measured energy (uJ) | "
              "energy % | measured latency (ms) | top-1 calib % | SQNR calib (dB) | "
              "top-1 held-out % | SQNR held-out (dB) |")
    md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for how, d in runs.items():
        label = "LUT" if how == "lut" else "MACs"
        md.append("| %s | 0 | - | %.4g | %.4g | 100.0 | - | 100.0 | inf | 100.0 | inf |" % (
            label, e0, e0))
        tsv.append("# %s %s" % (net, how))
        tsv.append("%s\t%s\t0\t100\t%.6g\t100\t\t100\t" % (net, how, e0))
        for it in d["iterations"]:
            md.append("| %s | %d | %s (%d / %d) | %.4g | %.4g | %.1f | %.4g | %s | %s | %s | %s |" % (
                label, it["iteration"], it["pruned"], it["kept"], it["kept"] + it["removed"],
                it["figure"], it["measured_energy_uj"], 100 * it["measured_energy_uj"] / e0,
                it["measured_latency_ms"], pct(it["top1_agreement"]), db(it["sqnr_db"]),
                pct(it["eval_top1_agreement"]), db(it["eval_sqnr_db"])))
            tsv.append("%s\t%s\t%d\t%.4f\t%.6g\t%.2f\t%s\t%.2f\t%s" % (
                net, how, it["iteration"], 100 * it["measured_energy_uj"] / e0,
                it["measured_energy_uj"], 100 * it["eval_top1_agreement"],
                "" if it["eval_sqnr_db"] is None else "%.3f" % it["eval_sqnr_db"],
                100 * it["top1_agreement"],
                "" if it["sqnr_db"] is None else "%.3f" % it["sqnr_db"]))
        tsv.append("")
        tsv.append("")
        series.append((net, how))
    md.append("")
    # where the measured LUT and the MAC proxy choose differently
    fl, fm = runs["lut"]["final"], runs["macs"]["final"]
    ll = {l["name"]: (l["c"], l["m"]) for l in (runs["lut"]["iterations"] or [{"layers": []}])[-1]["layers"]}
    lm = {l["name"]: (l["c"], l["m"]) for l in (runs["macs"]["iterations"] or [{"layers": []}])[-1]["layers"]}
    diff = [n for n in ll if n in lm and ll[n] != lm[n]]
    md.append("| same budget | iterations | measured energy (uJ) | within budget | measured latency (ms) | "
              "DRAM words | top-1 held-out % | SQNR held-out (dB) |")
    md.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, f in (("measured LUT", fl), ("MAC proxy", fm)):
        md.append("| %s | %d | %.4g | %s | %.4g | %.4g | %s | %s |" % (
            label, f["iterations"], f["measured_energy_uj"], "yes" if f["within_budget"] else "no",
            f["measured_latency_ms"], f["measured_dram_words"], pct(f["eval_top1_agreement"]),
            db(f["eval_sqnr_db"])))
    md.append("")
    if diff:
        md.append("Channels (c x m) where they differ: " + ", ".join(
            "%s %dx%d (LUT) / %dx%d (MACs)" % (n, ll[n][0], ll[n][1], lm[n][0], lm[n][1]) for n in diff) + ".\n")
    else:
        md.append("Both choose the same channels.\n")
    ar = load(net, "adapted-run")
    md.append("The LUT-adapted model, quantized, `run --check` on emu: %s (%d device layers compared); "
              "whole network %.4g uJ, %.4g ms.\n" % (
                  "ok" if ar["check"]["ok"] else "FAILED", ar["check"]["layers_checked"],
                  ar["total"]["energy_pj"]["total"] / 1e6, ar["total"]["latency_ms"]))
    summary.append((net, e0, budget, fl, fm))

md.insert(1, "### Summary: the same budget by the measured LUT and by the MAC proxy\n\n"
          "Reproduce: `make bench-netadapt` (the adapt commands are under each network below).\n")
rows = ["| network | original (uJ) | budget (uJ, share) | LUT: measured uJ | LUT: latency ms | LUT: top-1 / SQNR held-out | "
        "MACs: measured uJ | MACs: within budget | MACs: latency ms | MACs: top-1 / SQNR held-out |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
for net, e0, budget, fl, fm in summary:
    rows.append("| %s | %.4g | %.4g (%.2f) | %.4g | %.4g | %s %% / %s dB | %.4g | %s | %.4g | %s %% / %s dB |" % (
        net, e0, budget, budget / e0, fl["measured_energy_uj"], fl["measured_latency_ms"],
        pct(fl["eval_top1_agreement"]), db(fl["eval_sqnr_db"]), fm["measured_energy_uj"],
        "yes" if fm["within_budget"] else "no", fm["measured_latency_ms"],
        pct(fm["eval_top1_agreement"]), db(fm["eval_sqnr_db"])))
md[2:2] = rows + [""]

with open(os.path.join(out, "netadapt.md"), "w") as f:
    f.write("\n".join(md) + "\n")
with open(os.path.join(out, "netadapt.tsv"), "w") as f:
    f.write("# net\tcost\titeration\tenergy_pct\tenergy_uj\teval_top1_pct\teval_sqnr_db\tcalib_top1_pct\tcalib_sqnr_db\n")
    f.write("\n".join(tsv) + "\n")

colors = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]
plots_sqnr, plots_top1 = [], []
for i, (net, how) in enumerate(series):
    col = colors[nets.index(net) % len(colors)]
    dt = 1 if how == "lut" else 2
    title = "%s %s" % (net, "LUT" if how == "lut" else "MACs")
    spec = "'%s' index %d using 4:%%d with linespoints dt %d lc rgb '%s' pt %d title '%s'" % (
        os.path.join(out, "netadapt.tsv"), i, dt, col, 7 if how == "lut" else 6, title)
    plots_sqnr.append(spec % 7)
    plots_top1.append(spec % 6)
gp = """set datafile separator '\\t'
set datafile missing ''
do for [t in "svg png"] {
  if (t eq "svg") { set terminal svg size 1200,520 dynamic font 'sans,11'; set output '%(o)s/netadapt.svg' } \\
  else { set terminal pngcairo size 1200,520 font 'sans,10'; set output '%(o)s/netadapt.png' }
  set multiplot layout 1,2 title "NetAdapt on the measured LUT (solid) and the MAC proxy (dashed): held-out agreement against measured energy"
  set xlabel 'measured conv/FC energy, %% of the original'
  set xrange [*:100] reverse
  set grid
  set key bottom left font ',8'
  set ylabel 'output SQNR vs the original, held-out (dB)'
  plot %(sqnr)s
  set ylabel 'top-1 agreement, held-out (%%)'
  set yrange [0:105]
  plot %(top1)s
  unset yrange
  unset multiplot
  unset output
}
""" % {"o": out, "sqnr": ", \\\n    ".join(plots_sqnr), "top1": ", \\\n    ".join(plots_top1)}
with open(os.path.join(out, "netadapt.gp"), "w") as f:
    f.write(gp)
