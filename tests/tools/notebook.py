"""Builds, executes and checks examples/notebook.ipynb (a tour of higher-order derivatives).

    /usr/bin/python3 tests/tools/notebook.py --write   # rebuild the notebook and run it in place
    /usr/bin/python3 tests/tools/notebook.py           # run a copy and check its outputs

Needs Debian's python3-nbclient and the Deno kernel (`deno jupyter --install`); the
`test:runtimes` task installs both where apt-get is available. The checks compare numbers in
the outputs with closed forms, and that plots and graphs arrive as image/svg+xml and tensors
as text/plain plus a text/html table.
"""

import json
import math
import os
import re
import sys

import nbclient
import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PATH = os.path.join(ROOT, "examples", "notebook.ipynb")

CELLS = [
    ("md", """# Higher-order derivatives with Tapegrad

A tour in a Deno notebook (`deno jupyter --install`, then pick the Deno kernel). Tensors
display as tables, and plots and graphs as pictures. In your own notebook, import from
`jsr:@tapegrad/core` instead of `../mod.ts`."""),
    ("code", """import {
  autogradGrad,
  derivative,
  derivatives,
  dotToSvg,
  grad,
  hessian,
  linspace,
  plot,
  type Tensor,
  tensor,
  toDot,
  vmap,
} from "../mod.ts";"""),
    ("md", "A tensor shows as PyTorch's repr and as a table:"),
    ("code", """tensor([[1, -2.5], [0.125, 4]], { dtype: "float64" })"""),
    ("md", "`grad` nests: the second derivative of tanh at 0.5 is −2 tanh(0.5)(1 − tanh²(0.5)):"),
    ("code", """const tanh = (x: Tensor) => x.tanh();
grad(grad(tanh))(tensor(0.5, { dtype: "float64" }))"""),
    ("md", "`plot` draws functions with their derivatives, every order from autograd:"),
    ("code", """plot(tanh, { derivatives: 4, labels: ["tanh"], yRange: [-5, 5], title: "tanh and its derivatives" })"""),
    ("md", "Derivatives of sin cycle with period 4; `derivative(f, n)` takes any order:"),
    ("code", """const at = tensor(0.5, { dtype: "float64" });
tensor([0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => derivative((x: Tensor) => x.sin(), n)(at).item()), { dtype: "float64" })"""),
    ("md", "The Gaussian's derivatives are Hermite polynomials times the Gaussian:"),
    ("code", """const gauss = (x: Tensor) => x.pow(2).mul(-0.5).exp();
plot(gauss, { derivatives: 3, labels: ["exp(−x²/2)"], range: [-4, 4] })"""),
    ("md", "A Hessian, forward over reverse, shows as a matrix:"),
    ("code", """const f = (x: Tensor) => x.pow(3).sum().add(x.prod());
const H = hessian(f)(tensor([1, 2, 3], { dtype: "float64" }));
H"""),
    ("md", "The tape of tanh'' itself, laid out without Graphviz:"),
    ("code", """const x = tensor(1, { requiresGrad: true });
const y = x.tanh();
const [dy] = autogradGrad([y], [x], { createGraph: true });
const [d2y] = autogradGrad([dy], [x], { createGraph: true });
const graph = dotToSvg(toDot(d2y));
graph"""),
    ("md", "Taylor mode gives all the derivatives of tanh at 0 in one pass (its Taylor coefficients times n!):"),
    ("code", """derivatives(tanh, 9)(tensor(0, { dtype: "float64" }))"""),
    ("md", "`vmap` maps a scalar derivative over many points at once:"),
    ("code", """vmap(derivative(tanh, 1))(linspace(-1, 1, 5, { dtype: "float64" }))"""),
]


def build():
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Deno", "language": "typescript", "name": "deno"},
        "language_info": {"name": "typescript", "file_extension": ".ts"},
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        for kind, src in CELLS
    ]
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    return nb


def run(nb):
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="deno", resources={"metadata": {"path": os.path.join(ROOT, "examples")}}
    )
    client.execute()
    return nb


def outputs(cell):
    data = {}
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            raise AssertionError(f"cell raised {o.get('ename')}: {o.get('evalue')}")
        if o.get("output_type") in ("execute_result", "display_data"):
            data.update(o["data"])
    return data


def numbers(text):
    return [float(v) for v in re.findall(r"-?\d+\.\d*(?:e[+-]\d+)?", text)]


def check(nb, passed=None):
    """Checks each cell's outputs; a cell whose output never arrived is retried, not failed.

    The Deno kernel (2.9) now and then sends a cell's execute_result after reporting itself
    idle, and nbclient then records no output for that cell; `passed` carries the checks that
    passed in an earlier run of the notebook."""
    passed = set() if passed is None else passed
    code = [c for c in nb.cells if c.cell_type == "code"]
    failures = []
    lost = []
    index = [0]

    def expect(ok, what):
        i = index[0]
        index[0] += 1
        if ok or what in passed:
            passed.add(what)
            print("ok   " + what)
        elif not code[i + 1].get("outputs"):
            lost.append(what)
            print("lost " + what + " (no output arrived; the notebook runs again)")
        else:
            failures.append(what)
            print("FAIL " + what)

    out = [outputs(c) for c in code]
    if out[0] != {}:
        failures.append("imports print nothing")
    expect(out[1].get("text/plain", "").startswith("tensor([[ 1.0000, -2.5000]") and "<table" in out[1].get("text/html", ""),
           "a tensor displays as its repr and an HTML table")
    t = math.tanh(0.5)
    got = numbers(out[2].get("text/plain", ""))
    expect(len(got) == 1 and abs(got[0] - (-2 * t * (1 - t * t))) < 1e-4, "grad(grad(tanh))(0.5)")
    svg = out[3].get("image/svg+xml", "")
    expect(svg.startswith("<svg") and svg.count("<path ") == 5, "plot shows as image/svg+xml with 5 curves")
    got = numbers(out[4].get("text/plain", ""))
    want = [math.sin(0.5), math.cos(0.5), -math.sin(0.5), -math.cos(0.5)] * 2 + [math.sin(0.5)]
    expect(len(got) == 9 and all(abs(a - b) < 1e-4 for a, b in zip(got, want)), "derivatives of sin cycle")
    expect(out[5].get("image/svg+xml", "").count("<path ") == 4, "Gaussian plot with 4 curves")
    got = numbers(out[6].get("text/plain", ""))
    # f = sum(x³) + x1 x2 x3: H = diag(6x) + [[0, x3, x2], [x3, 0, x1], [x2, x1, 0]]
    want = [6, 3, 2, 3, 12, 1, 2, 1, 18]
    expect(got == want and "<table" in out[6].get("text/html", ""), "the Hessian as a table")
    graph = out[7].get("image/svg+xml", "")
    expect("TanhBackward0" in graph and "AccumulateGrad" in graph, "the tape of tanh'' as image/svg+xml")
    got = numbers(out[8].get("text/plain", ""))
    # tanh = x − 2x³/3! + 16x⁵/5! − 272x⁷/7! + 7936x⁹/9! …
    expect(got == [0, 1, 0, -2, 0, 16, 0, -272, 0, 7936], "derivatives of tanh at 0 in one Taylor pass")
    got = numbers(out[9].get("text/plain", ""))
    want = [1 - math.tanh(v) ** 2 for v in (-1, -0.5, 0, 0.5, 1)]
    expect(len(got) == 5 and all(abs(a - b) < 1e-4 for a, b in zip(got, want)), "vmap of tanh prime")
    return failures, lost


if __name__ == "__main__":
    write = "--write" in sys.argv
    if write:
        source = build()
    else:
        source = nbformat.read(PATH, as_version=4)
        if [c.source for c in source.cells] != [src for _, src in CELLS]:
            print("FAIL examples/notebook.ipynb differs from tests/tools/notebook.py: run it with --write")
            sys.exit(1)
    passed = set()
    for attempt in range(10 if write else 4):
        nb = run(nbformat.from_dict(json.loads(json.dumps(build() if write else source))))
        if write:
            passed = set()  # --write keeps a run in which every output arrived
        failures, lost = check(nb, passed)
        if failures or not lost:
            break
    if write and not failures and not lost:
        nbformat.write(nb, PATH)
        print(f"wrote {os.path.relpath(PATH, ROOT)}")
    print(f"notebook: {len(passed)} passed, {len(failures) + len(lost)} failed")
    sys.exit(1 if failures or lost else 0)
