"""The loop of bench/kept.ts in PyTorch: tiny MLP, SGD, every step's loss kept detached.

/usr/bin/python3 bench/kept_torch.py [n]   (prints the resident-set growth per kept loss)
"""
import json, resource, sys, time
import torch

def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

torch.set_num_threads(1)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
g = torch.Generator().manual_seed(3)
X = torch.randn(4, 8, generator=g)
Y = torch.randn(4, 1, generator=g)
params = [(torch.randn(8, 16, generator=g) / 4), torch.zeros(16), (torch.randn(16, 1, generator=g) / 4), torch.zeros(1)]
params = [p.requires_grad_() for p in params]

def step():
    global params
    w1, b1, w2, b2 = params
    h = torch.tanh(X @ w1 + b1)
    loss = ((h @ w2 + b2 - Y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        params = [p - p.grad * 0.01 for p in params]
    params = [p.requires_grad_() for p in params]
    return loss.detach()

for _ in range(2000):
    step()
kept = []
before = rss_bytes()
t0 = time.time()
for _ in range(n):
    kept.append(step())
after = rss_bytes()
print(json.dumps({"workload": "kept-losses", "peer": "pytorch", "kept": n,
                  "seconds": round(time.time() - t0, 1),
                  "rss_growth_mib": round((after - before) / 2**20, 1),
                  "bytes_per_kept": round((after - before) / n)}))
