"""Fit y = 3x - 1 with a two-parameter model and loss.backward(): the smallest complete demo."""

import tensorgrad as tg

tg.manual_seed(0)
x = tg.rand(256, 1) * 4 - 2
y = 3 * x - 1 + 0.05 * tg.randn(256, 1)
w = tg.zeros(1, 1, requires_grad=True)
b = tg.zeros(1, requires_grad=True)
for step in range(201):
    loss = ((x @ w + b - y) ** 2).mean()
    w.grad = b.grad = None
    loss.backward()
    w.data -= 0.1 * w.grad.data
    b.data -= 0.1 * b.grad.data
    if step % 50 == 0:
        print(f"step {step:3d}  loss {loss.item():.5f}  w {w.item():+.3f}  b {b.item():+.3f}")
