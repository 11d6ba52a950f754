"""A program the differential fuzzer generated (verbatim, so unused values stay):
its derivative was silently wrong when nested loops shared one break flag."""
# ruff: noqa: F841, E501
import math


def fz_h0(a0, a1):
    a0 += 1.5 + a1
    if a0 <= 1.0:
        v1 = a0 * a0
        v2 = math.hypot(-a0, 1 + a0 * a0)
        v3 = (-v2 if a0 >= 0.25 else a0 + a0)
    else:
        v4 = (math.atan2(a0, 2 + math.cos(a1)) * (-a0)) + 0.25
    k5 = 0
    while k5 < 2:
        k5 += 1
        v6 = (-k5) * math.atan2(k5, 2 + math.cos(a1))
    return ((-a1) * max(math.log2(3 + math.sin(a0)), (0.5 if a1 < 0.5 else a1))) + a1


def fz_h1(a0):
    for i7 in range(4):
        v8 = abs((a0 if i7 % 2 == 0 else a0))
        if a0 < -0.5:
            continue
        if i7 < 1:
            break
    if a0 - 2.0 >= -1.0:
        a0 = (a0 if a0 > -1.0 else a0)
        v9 = (1.0 * a0) / 2
    a0 /= (1.5 + 0.5 * math.sin(a0 + a0))
    return fz_h0(max(a0, a0), fz_h0(a0, a0)) * a0


def fz_program(x0, x1, x2):
    k10 = 0
    while k10 < 2:
        k10 += 1
        if math.atan2(k10, 2 + math.cos(x2)) < -0.5:
            v11 = (x0 if k10 >= 2 else k10)
            x2 += min(fz_h0(k10, (1.5 + x2 * x2) ** math.sin(0.1)), math.atan((0.25 if x1 >= x2 else k10)))
        else:
            x1 = math.hypot(fz_h1(x1 * x1), 1 + x1 * x1)
            x2 *= (1.5 + 0.5 * math.sin(x0))
        if x1 + x0 >= -0.5:
            break
        k12 = 0
        while k12 < 1:
            k12 += 1
            v13 = x0
    k14 = 0
    while k14 < 4:
        k14 += 1
        v15 = k14
    if x1 < x2:
        v16 = fz_h0(x1 + x0, (x1 if x0 < 1.0 else x2))
        if v16 > 0.0:
            v16 = x2
            v16 += math.hypot(fz_h0(x1, v16), 1 + x1 * x1)
            x2 -= x0
        else:
            v16 = x0
            v17 = min((1.5 + x1 * x1) ** math.sin(1.5), 0.1 + v16)
        if x2 <= 0.25:
            v18 = fz_h1(math.cosh(math.tanh(x2)))
            v19 = math.sin(x0) - 0.25
            v16 *= (1.5 + 0.5 * math.sin(v18))
        else:
            v16 /= (1.5 + 0.5 * math.sin(v16))
            v20 = abs(fz_h0(x0 + x2, math.log(2 + math.cos(x1))))
    else:
        v21 = fz_h1(x2)
    if x1 < -1.0:
        v22 = (fz_h1(x1) * (x1 - x1)) / 0.1
        x2 += x2 + x2
    return math.pow(1 + x0 * x0, 1.5) - x2
