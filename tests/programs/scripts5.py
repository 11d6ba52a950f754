"""Plain-math scalar scripts as people write them: finance formulas, little
physics integrators with for/while loops, early returns, helpers with default
arguments, prints with f-strings (held-out corpus, round 5)."""
# ruff: noqa: E501, B007, B008, E741, F841, E731
import math
from math import cos, exp, log, pi, sin, sqrt

from .registry import Program

G = 9.81
RHO_AIR = 1.225
DAYS_PER_YEAR = 365.0


# ---------------------------------------------------------------- finance

def annuity_payment(rate, principal=250000.0, years=30):
    """Monthly payment on a fixed-rate mortgage."""
    r = rate / 12
    n = years * 12
    if r == 0:
        return principal / n
    return principal * r / (1 - (1 + r) ** (-n))


def bond_price(y, coupon=0.05, face=100.0, maturity=10, freq=2):
    price = 0.0
    c = coupon * face / freq
    for k in range(1, maturity * freq + 1):
        price += c / (1 + y / freq) ** k
    price += face / (1 + y / freq) ** (maturity * freq)
    return price


def macaulay_duration(y: float, coupon: float = 0.04, n: int = 20) -> float:
    pv = 0.0
    weighted = 0.0
    for t in range(1, n + 1):
        cf = coupon * 100 if t < n else coupon * 100 + 100
        disc = cf * exp(-y * t)
        pv += disc
        weighted += t * disc
    return weighted / pv


def npv(rate, flows=(-1000.0, 200.0, 300.0, 400.0, 500.0, 150.0)):
    return sum(cf / (1.0 + rate) ** t for t, cf in enumerate(flows))


def irr_newton(shift, flows=(-1000.0, 300.0, 420.0, 680.0)):
    """Internal rate of return by Newton's method; the result depends on `shift`
    through the first cash flow."""
    flows = list(flows)
    flows[0] = flows[0] - shift
    r = 0.1
    for it in range(50):
        f = 0.0
        df = 0.0
        for t, cf in enumerate(flows):
            f += cf / (1 + r) ** t
            df -= t * cf / (1 + r) ** (t + 1)
        step = f / df
        r -= step
        if abs(step) < 1e-13:
            break
    return r


def _norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / sqrt(2.0)))


def bs_call(S, K, T, r, sigma):
    d1 = (log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * sqrt(T))
    d2 = d1 - sigma * sqrt(T)
    return S * _norm_cdf(d1) - K * exp(-r * T) * _norm_cdf(d2)


def bs_put_parity(S, sigma, K=100.0, T=0.5, r=0.03):
    call = bs_call(S, K, T, r, sigma)
    put = call - S + K * exp(-r * T)
    print(f"call={call:.4f} put={put:.4f}")
    return put


def implied_vol_objective(sigma, price=10.45, S=100.0, K=100.0, T=1.0, r=0.05):
    return (bs_call(S, K, T, r, sigma) - price) ** 2


def binomial_american_put(S0, sigma, K=100.0, T=1.0, r=0.05, N=40):
    dt = T / N
    u = exp(sigma * sqrt(dt))
    d = 1 / u
    p = (exp(r * dt) - d) / (u - d)
    disc = exp(-r * dt)
    values = [max(K - S0 * u ** j * d ** (N - j), 0.0) for j in range(N + 1)]
    for i in range(N - 1, -1, -1):
        for j in range(i + 1):
            cont = disc * (p * values[j + 1] + (1 - p) * values[j])
            exercise = K - S0 * u ** j * d ** (i - j)
            values[j] = max(cont, exercise)
    return values[0]


def compound_growth(rate, years=25, contrib=500.0):
    balance = 10000.0
    year = 0
    while year < years:
        balance *= 1 + rate
        balance += contrib * 12
        year += 1
    return balance


def vasicek_zero(r0, kappa=0.3, theta=0.04, sigma=0.01, T=5.0):
    B = (1 - exp(-kappa * T)) / kappa
    A = exp((theta - sigma ** 2 / (2 * kappa ** 2)) * (B - T) - sigma ** 2 * B ** 2 / (4 * kappa))
    return A * exp(-B * r0)


def kelly_growth(f, p=0.55, b=1.0):
    if f <= 0:
        return 0.0
    return p * log(1 + b * f) + (1 - p) * log(1 - f)


# ---------------------------------------------------------------- physics

def projectile_range(v0, angle_deg, h0=1.5):
    th = angle_deg * pi / 180
    vx, vy = v0 * cos(th), v0 * sin(th)
    t_flight = (vy + sqrt(vy ** 2 + 2 * G * h0)) / G
    return vx * t_flight


def drag_fall(cd, m=80.0, area=0.7, dt=0.01, T=5.0):
    """Velocity of a skydiver after T seconds, explicit Euler."""
    v = 0.0
    t = 0.0
    k = 0.5 * RHO_AIR * cd * area
    while t < T:
        a = G - k * v * abs(v) / m
        v += a * dt
        t += dt
    return v


def pendulum_period(L, theta0, steps=400):
    """Period of a pendulum by integrating the complete elliptic integral."""
    k = sin(theta0 / 2)
    h = (pi / 2) / steps
    total = 0.0
    for i in range(steps):
        phi = (i + 0.5) * h
        total += h / sqrt(1 - (k * sin(phi)) ** 2)
    return 4 * sqrt(L / G) * total


def damped_oscillator_rk4(k, c, x0=1.0, v0=0.0, dt=0.02, n=150):
    def acc(x, v):
        return -k * x - c * v

    x, v = x0, v0
    for _ in range(n):
        k1x, k1v = v, acc(x, v)
        k2x, k2v = v + 0.5 * dt * k1v, acc(x + 0.5 * dt * k1x, v + 0.5 * dt * k1v)
        k3x, k3v = v + 0.5 * dt * k2v, acc(x + 0.5 * dt * k2x, v + 0.5 * dt * k2v)
        k4x, k4v = v + dt * k3v, acc(x + dt * k3x, v + dt * k3v)
        x += dt / 6 * (k1x + 2 * k2x + 2 * k3x + k4x)
        v += dt / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
    return 0.5 * v * v + 0.5 * k * x * x


def logistic_growth_euler(r, K=1000.0, P0=10.0, dt=0.1, T=20.0):
    P = P0
    for _ in range(int(T / dt)):
        P = P + dt * r * P * (1 - P / K)
    return P


def lotka_volterra(alpha, beta, gamma=0.4, delta=0.1, dt=0.01, steps=300):
    x, y = 10.0, 5.0
    for s in range(steps):
        dx = alpha * x - beta * x * y
        dy = delta * x * y - gamma * y
        x, y = x + dt * dx, y + dt * dy
    return x + y


def sir_final_size(beta, gamma=0.1, N=1000.0, days=60, dt=0.25):
    S, I, R = N - 1.0, 1.0, 0.0
    for step in range(int(days / dt)):
        new_inf = beta * S * I / N
        new_rec = gamma * I
        S -= dt * new_inf
        I += dt * (new_inf - new_rec)
        R += dt * new_rec
    return R / N


def leapfrog_kepler(e, dt=0.01, steps=200):
    x, y = 1.0 - e, 0.0
    vx, vy = 0.0, sqrt((1 + e) / (1 - e))
    r3 = (x * x + y * y) ** 1.5
    ax, ay = -x / r3, -y / r3
    for i in range(steps):
        vx += 0.5 * dt * ax
        vy += 0.5 * dt * ay
        x += dt * vx
        y += dt * vy
        r3 = (x * x + y * y) ** 1.5
        ax, ay = -x / r3, -y / r3
        vx += 0.5 * dt * ax
        vy += 0.5 * dt * ay
    energy = 0.5 * (vx ** 2 + vy ** 2) - 1 / sqrt(x * x + y * y)
    return energy + x


def heat_loss_wall(k1, k2, t1=0.1, t2=0.05, area=10.0, dT=20.0):
    R = t1 / (k1 * area) + t2 / (k2 * area)
    return dT / R


def rc_discharge(R_kohm, C_uF, V0=5.0, t_ms=2.0):
    tau_ms = R_kohm * C_uF  # kilo-ohm times micro-farad is milliseconds
    return V0 * exp(-t_ms / tau_ms)


def ideal_gas_work(V2, n_mol=1.0, T=300.0, V1=0.01):
    R = 8.314
    return n_mol * R * T * log(V2 / V1)


def van_der_waals_pressure(V, T, a=0.364, b=4.27e-5, n=1.0):
    R = 8.314
    return n * R * T / (V - n * b) - a * n ** 2 / V ** 2


def newton_sqrt(a, x0=1.0, iters=30):
    x = x0
    for _ in range(iters):
        x_new = 0.5 * (x + a / x)
        if abs(x_new - x) < 1e-15:
            return x_new
        x = x_new
    return x


def simpson(f, a, b, n=100):
    h = (b - a) / n
    s = f(a) + f(b)
    for i in range(1, n):
        s += (4 if i % 2 else 2) * f(a + i * h)
    return s * h / 3


def gaussian_integral(sigma, mu=0.3):
    return simpson(lambda x: exp(-(x - mu) ** 2 / (2 * sigma ** 2)), -3.0, 3.0)


def trapezoid_energy(omega, n=200):
    h = pi / n
    vals = [sin(omega * i * h) ** 2 for i in range(n + 1)]
    return h * (sum(vals) - 0.5 * (vals[0] + vals[-1]))


def fixed_point_cos(a, iters=60):
    x = 0.5
    for _ in range(iters):
        x = cos(a * x)
    return x


def piecewise_tax(income):
    brackets = [(10000.0, 0.0), (40000.0, 0.2), (float("inf"), 0.4)]
    tax = 0.0
    lower = 0.0
    for upper, rate in brackets:
        if income > lower:
            taxed = min(income, upper) - lower
            tax += taxed * rate
        lower = upper
    return tax


def stirling_error(x: float) -> float:
    approx = sqrt(2 * pi * x) * (x / math.e) ** x
    exact = math.gamma(x + 1)
    return log(exact) - log(approx)


def softplus_sum(a, b, c=1.0):
    terms = [a, b, a * b, c - a]
    return sum(math.log1p(math.exp(t)) for t in terms)


def max_of_bumps(x):
    return max(sin(x), cos(x), 0.3 * x)


def hypot_chain(a, b, c):
    d = math.hypot(a, b)
    e = math.hypot(d, c)
    return e + math.atan2(b, a)


def cooling_newton(k, T0=90.0, T_env=20.0, minutes=30):
    T = T0
    history = []
    for m in range(minutes):
        T += -k * (T - T_env)
        history.append(T)
    return history[-1] + 0.1 * history[len(history) // 2]


def spring_energy_loop(k, masses=(1.0, 2.0, 1.5), x=(0.1, -0.2, 0.3)):
    E = 0
    for i in range(len(masses)):
        for j in range(i + 1, len(masses)):
            E += 0.5 * k * (x[i] - x[j]) ** 2 / (masses[i] + masses[j])
    return E


def _u(lo=0.5, hi=2.0):
    return lambda rng: (float(rng.uniform(lo, hi)),)


PROGRAMS = [
    Program(annuity_payment, lambda rng: (float(rng.uniform(0.02, 0.08)),)),
    Program(bond_price, lambda rng: (float(rng.uniform(0.02, 0.09)),)),
    Program(macaulay_duration, lambda rng: (float(rng.uniform(0.01, 0.1)),)),
    Program(npv, lambda rng: (float(rng.uniform(0.03, 0.15)),)),
    Program(irr_newton, lambda rng: (float(rng.uniform(0.0, 50.0)),)),
    Program(bs_call, lambda rng: (float(rng.uniform(80, 120)), 100.0, float(rng.uniform(0.3, 2)),
                                  0.03, float(rng.uniform(0.1, 0.4))), wrt=(0, 2, 3, 4)),
    Program(bs_put_parity, lambda rng: (float(rng.uniform(80, 120)), float(rng.uniform(0.1, 0.4))), wrt=(0, 1)),
    Program(implied_vol_objective, lambda rng: (float(rng.uniform(0.1, 0.4)),)),
    Program(binomial_american_put, lambda rng: (float(rng.uniform(85, 115)), float(rng.uniform(0.15, 0.35))), wrt=(0, 1)),
    Program(compound_growth, lambda rng: (float(rng.uniform(0.01, 0.09)),)),
    Program(vasicek_zero, lambda rng: (float(rng.uniform(0.01, 0.06)),)),
    Program(kelly_growth, lambda rng: (float(rng.uniform(0.05, 0.5)),)),
    Program(projectile_range, lambda rng: (float(rng.uniform(10, 30)), float(rng.uniform(20, 60))), wrt=(0, 1)),
    Program(drag_fall, lambda rng: (float(rng.uniform(0.5, 1.2)),)),
    Program(pendulum_period, lambda rng: (float(rng.uniform(0.5, 2)), float(rng.uniform(0.1, 1.2))), wrt=(0, 1)),
    Program(damped_oscillator_rk4, lambda rng: (float(rng.uniform(1, 4)), float(rng.uniform(0.1, 0.5))), wrt=(0, 1)),
    Program(logistic_growth_euler, _u(0.1, 0.5)),
    Program(lotka_volterra, lambda rng: (float(rng.uniform(0.8, 1.2)), float(rng.uniform(0.05, 0.15))), wrt=(0, 1)),
    Program(sir_final_size, _u(0.2, 0.5)),
    Program(leapfrog_kepler, _u(0.1, 0.5)),
    Program(heat_loss_wall, lambda rng: (float(rng.uniform(0.1, 1)), float(rng.uniform(0.02, 0.2))), wrt=(0, 1)),
    Program(rc_discharge, lambda rng: (float(rng.uniform(0.5, 2.0)), float(rng.uniform(1.0, 5.0))), wrt=(0, 1)),
    Program(ideal_gas_work, _u(0.015, 0.05)),
    Program(van_der_waals_pressure, lambda rng: (float(rng.uniform(0.001, 0.02)), float(rng.uniform(250, 400))), wrt=(0, 1)),
    Program(newton_sqrt, _u(1.0, 9.0)),
    Program(gaussian_integral, _u(0.5, 1.5)),
    Program(trapezoid_energy, _u(0.5, 3.0)),
    Program(fixed_point_cos, _u(0.5, 1.0)),
    Program(piecewise_tax, lambda rng: (float(rng.uniform(15000, 80000)),)),
    Program(stirling_error, _u(1.5, 6.0)),
    Program(softplus_sum, lambda rng: (float(rng.normal()), float(rng.normal())), wrt=(0, 1)),
    Program(max_of_bumps, _u(0.1, 3.0)),
    Program(hypot_chain, lambda rng: tuple(float(v) for v in rng.uniform(0.5, 2, 3)), wrt=(0, 1, 2)),
    Program(cooling_newton, _u(0.02, 0.2)),
    Program(spring_energy_loop, _u(1.0, 10.0)),
]


# ---------------------------------------------------------------- a second batch

def adaptive_euler(k, y0=1.0, t_end=2.0, tol=1e-3):
    """Step-doubling Euler for y' = -k y**2 with a step that adapts."""
    t, y, h = 0.0, y0, 0.1
    while t < t_end:
        if t + h > t_end:
            h = t_end - t
        big = y + h * (-k * y * y)
        half = y + 0.5 * h * (-k * y * y)
        small = half + 0.5 * h * (-k * half * half)
        err = abs(big - small)
        if err > tol and h > 1e-4:
            h *= 0.5
            continue
        y = small
        t += h
        if err < tol / 4:
            h *= 2
    return y


def first_passage(v, x0=0.0, barrier=10.0, dt=0.01):
    x, t = x0, 0.0
    for step in range(10000):
        x += v * dt + 0.05 * sin(7 * t) * dt
        t += dt
        if x >= barrier:
            return t - (x - barrier) / v  # interpolate back to the crossing
    return t


def loan_schedule(rate: float, principal: float = 10000.0, payment: float = 450.0) -> float:
    months = 0
    interest_paid = 0.0
    balance = principal
    while balance > 0 and months < 600:
        interest = balance * rate / 12
        interest_paid += interest
        balance += interest - payment
        months += 1
    return interest_paid + balance


def horner(coeffs, x):
    acc = 0.0
    for c in reversed(coeffs):
        acc = acc * x + c
    return acc


def taylor_exp_error(x, terms=12):
    approx = sum(x ** n / math.factorial(n) for n in range(terms))
    return (approx - exp(x)) * 1e3 + horner([1.0, -0.5, 0.25, -0.125], x)


def golden_section_min(a, lo=-2.0, hi=3.0, iters=60):
    """The minimum value of (x - a)**2 + sin(3 x) found by golden-section search."""
    f = lambda x: (x - a) ** 2 + sin(3 * x)
    gr = (sqrt(5) - 1) / 2
    c, d = hi - gr * (hi - lo), lo + gr * (hi - lo)
    for _ in range(iters):
        if f(c) < f(d):
            hi = d
        else:
            lo = c
        c, d = hi - gr * (hi - lo), lo + gr * (hi - lo)
    return f(0.5 * (lo + hi))


def elo_update(r_a, r_b, results=(1, 0, 1, 1, 0.5, 0, 1), K=32.0):
    for s in results:
        e_a = 1 / (1 + 10 ** ((r_b - r_a) / 400))
        r_a, r_b = r_a + K * (s - e_a), r_b - K * (s - e_a)
    return r_a - r_b


def orbit_period_kepler(a_au, e=0.3):
    mu_sun = 4 * pi ** 2  # AU^3 / yr^2
    T = 2 * pi * sqrt(a_au ** 3 / mu_sun)
    r_peri, r_apo = a_au * (1 - e), a_au * (1 + e)
    v_peri = sqrt(mu_sun * (2 / r_peri - 1 / a_au))
    return T + v_peri / 10 + (r_apo - r_peri)


def mixing_tank(q_in, V=100.0, c_in=2.0, hours=10, dt=0.05):
    c = 0.0
    n = round(hours / dt)
    for i in range(n):
        dc = q_in / V * (c_in - c)
        c = c + dt * dc
    print(f"final concentration {c:.3f} after {n} steps")
    return c


def nested_helper_energy(m, k):
    def omega():
        return sqrt(k / m)

    def energy(amplitude):
        return 0.5 * m * (omega() * amplitude) ** 2

    return sum(energy(a) for a in (0.1, 0.2, 0.4))


PROGRAMS += [
    Program(adaptive_euler, _u(0.5, 2.0)),
    Program(first_passage, _u(2.0, 5.0)),
    Program(loan_schedule, _u(0.03, 0.12)),
    Program(horner, lambda rng: ([float(c) for c in rng.normal(size=6)], float(rng.uniform(-1, 1))), wrt=(0, 1)),
    Program(taylor_exp_error, _u(-1.0, 1.5)),
    Program(golden_section_min, _u(-1.0, 1.0)),
    Program(elo_update, lambda rng: (float(rng.uniform(1400, 1600)), float(rng.uniform(1400, 1600))), wrt=(0, 1)),
    Program(orbit_period_kepler, _u(0.5, 5.0)),
    Program(mixing_tank, _u(1.0, 10.0)),
    Program(nested_helper_energy, lambda rng: (float(rng.uniform(0.5, 2)), float(rng.uniform(1, 5))), wrt=(0, 1)),
]
