"""Scalar `math` code as people write it: option pricing and greeks, orbital
mechanics, thermodynamics, projectiles with drag integrated until they land,
Newton and bisection iterations, helpers with defaults and early returns."""
# ruff: noqa: E501, B007, E741, F841  (written as users write them: long lines, unused loop counters, I for infected)
import math

from .registry import Program


def _norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _norm_pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def black_scholes_call(S, K, T, r, sigma):
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return S * _norm_cdf(d1) - K * math.exp(-r * T) * _norm_cdf(d2)


def _d1_d2(S, K, T, r, sigma):
    vol = sigma * math.sqrt(T)
    d1 = (math.log(S / K) + (r + sigma * sigma / 2) * T) / vol
    return d1, d1 - vol


def bs_greeks_portfolio(S, sigma, K=100.0, T=0.5, r=0.03):
    d1, d2 = _d1_d2(S, K, T, r, sigma)
    delta = _norm_cdf(d1)
    gamma = _norm_pdf(d1) / (S * sigma * math.sqrt(T))
    vega = S * _norm_pdf(d1) * math.sqrt(T)
    theta = -S * _norm_pdf(d1) * sigma / (2 * math.sqrt(T)) - r * K * math.exp(-r * T) * _norm_cdf(d2)
    return 10 * delta + 50 * gamma + 0.1 * vega + 0.01 * theta


def bs_put(S, K, T, r, sigma, q=0.0):
    d1, d2 = _d1_d2(S * math.exp(-q * T), K, T, r, sigma)
    return K * math.exp(-r * T) * _norm_cdf(-d2) - S * math.exp(-q * T) * _norm_cdf(-d1)


def binomial_tree_call(S, sigma, K=100.0, T=1.0, r=0.05, steps=50):
    dt = T / steps
    u = math.exp(sigma * math.sqrt(dt))
    d = 1 / u
    p = (math.exp(r * dt) - d) / (u - d)
    disc = math.exp(-r * dt)
    values = []
    for i in range(steps + 1):
        ST = S * u ** (steps - i) * d ** i
        values.append(max(ST - K, 0.0))
    for step in range(steps, 0, -1):
        for i in range(step):
            values[i] = disc * (p * values[i] + (1 - p) * values[i + 1])
    return values[0]


def american_put_tree(S, sigma, K=100.0, T=1.0, r=0.04, n=40):
    dt = T / n
    u = math.exp(sigma * math.sqrt(dt))
    d = 1.0 / u
    p = (math.exp(r * dt) - d) / (u - d)
    vals = [max(K - S * u ** j * d ** (n - j), 0.0) for j in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(i + 1):
            cont = math.exp(-r * dt) * (p * vals[j + 1] + (1 - p) * vals[j])
            exercise = K - S * u ** j * d ** (i - j)
            vals[j] = max(cont, exercise)
    return vals[0]


def implied_vol_newton(price, S=100.0, K=105.0, T=0.75, r=0.02):
    sigma = 0.3
    for _ in range(30):
        c = black_scholes_call(S, K, T, r, sigma)
        d1, _d2 = _d1_d2(S, K, T, r, sigma)
        vega = S * _norm_pdf(d1) * math.sqrt(T)
        diff = c - price
        if abs(diff) < 1e-12:
            break
        sigma -= diff / vega
    return sigma


def kepler_eccentric_anomaly(M, e):
    E = M if e < 0.8 else math.pi
    for _ in range(50):
        f = E - e * math.sin(E) - M
        fp = 1 - e * math.cos(E)
        step = f / fp
        E -= step
        if abs(step) < 1e-13:
            break
    return E


def orbit_radius(a, e, t, mu=398600.0):
    n = math.sqrt(mu / a ** 3)
    M = n * t
    E = kepler_eccentric_anomaly(M % (2 * math.pi), e)
    nu = 2 * math.atan2(math.sqrt(1 + e) * math.sin(E / 2), math.sqrt(1 - e) * math.cos(E / 2))
    return a * (1 - e * e) / (1 + e * math.cos(nu))


def hohmann_delta_v(r1, r2, mu=398600.0):
    v1 = math.sqrt(mu / r1)
    v2 = math.sqrt(mu / r2)
    a_t = (r1 + r2) / 2
    dv1 = math.sqrt(mu * (2 / r1 - 1 / a_t)) - v1
    dv2 = v2 - math.sqrt(mu * (2 / r2 - 1 / a_t))
    return abs(dv1) + abs(dv2)


def projectile_range_drag(v0, angle, k=0.05, g=9.81, dt=0.01):
    x, y = 0.0, 0.0
    vx = v0 * math.cos(angle)
    vy = v0 * math.sin(angle)
    steps = 0
    while y >= 0.0 and steps < 10000:
        v = math.sqrt(vx * vx + vy * vy)
        ax = -k * v * vx
        ay = -g - k * v * vy
        x += vx * dt
        y += vy * dt
        vx += ax * dt
        vy += ay * dt
        steps += 1
    return x


def _deriv(state, k, g):
    x, y, vx, vy = state
    v = math.hypot(vx, vy)
    return (vx, vy, -k * v * vx, -g - k * v * vy)


def projectile_rk4_height(v0, angle, k=0.02, g=9.81, dt=0.02, T=1.5):
    s = (0.0, 0.0, v0 * math.cos(angle), v0 * math.sin(angle))
    t = 0.0
    while t < T - 1e-12:
        k1 = _deriv(s, k, g)
        s2 = tuple(a + 0.5 * dt * b for a, b in zip(s, k1))
        k2 = _deriv(s2, k, g)
        s3 = tuple(a + 0.5 * dt * b for a, b in zip(s, k2))
        k3 = _deriv(s3, k, g)
        s4 = tuple(a + dt * b for a, b in zip(s, k3))
        k4 = _deriv(s4, k, g)
        s = tuple(a + dt / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
                  for a, b1, b2, b3, b4 in zip(s, k1, k2, k3, k4))
        t += dt
    return s[1] + 0.1 * s[0]


def carnot_efficiency_work(T_hot, T_cold, Q_in=1000.0):
    eta = 1 - T_cold / T_hot
    return eta * Q_in


def ideal_gas_isothermal_work(P1, V1, V2):
    n_R_T = P1 * V1
    return n_R_T * math.log(V2 / V1)


def van_der_waals_pressure(V, T, a=3.64, b=0.04267, R=8.314, n=1.0):
    return n * R * T / (V - n * b) - a * n * n / (V * V)


def otto_cycle_efficiency(r, gamma):
    return 1.0 - 1.0 / r ** (gamma - 1.0)


def newton_sqrt(a, tol=1e-14):
    x = a if a > 1 else 1.0
    while True:
        nx = 0.5 * (x + a / x)
        if abs(nx - x) < tol * nx:
            return nx
        x = nx


def bisection_root(c, lo=0.0, hi=3.0):
    """Root of x**3 + c*x - 5 = 0 by bisection (piecewise constant in c: zero
    gradient almost everywhere is what the primal computes)."""
    def f(x):
        return x ** 3 + c * x - 5
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if f(lo) * f(mid) <= 0:
            hi = mid
        else:
            lo = mid
    return mid * c


def bond_price(y, coupon=0.05, face=100.0, years=10, freq=2):
    c = coupon * face / freq
    price = 0.0
    for k in range(1, years * freq + 1):
        price += c / (1 + y / freq) ** k
    price += face / (1 + y / freq) ** (years * freq)
    return price


def bond_duration(y, coupon=0.04, years=8):
    pv_total = 0.0
    weighted = 0.0
    for t in range(1, years + 1):
        cf = coupon * 100 if t < years else coupon * 100 + 100
        pv = cf / (1 + y) ** t
        pv_total += pv
        weighted += t * pv
    return weighted / pv_total


def compound_growth(rate, principal, years=30, contribution=100.0):
    balance = principal
    for year in range(years):
        balance = balance * (1 + rate) + contribution
        if balance > 1e7:
            break
    return balance


def pendulum_period(L, theta0, g=9.81, terms=10):
    k = math.sin(theta0 / 2)
    total = 0.0
    coef = 1.0
    for n in range(terms):
        if n > 0:
            coef *= ((2 * n - 1) / (2 * n)) ** 2
        total += coef * k ** (2 * n)
    return 2 * math.pi * math.sqrt(L / g) * total


def damped_oscillator_energy(k, c, m=1.0, x0=1.0, dt=0.01, steps=500):
    x, v = x0, 0.0
    for _ in range(steps):
        a = (-k * x - c * v) / m
        v += a * dt
        x += v * dt
    return 0.5 * m * v * v + 0.5 * k * x * x


def logistic_map_average(r, x0=0.3, n=40):
    x = x0
    acc = 0.0
    for i in range(n):
        x = r * x * (1 - x)
        acc += x
    return acc / n


def heat_loss_wall(k1, k2, t1=0.1, t2=0.05, dT=20.0, h=10.0):
    R = t1 / k1 + t2 / k2 + 1 / h
    return dT / R


def rocket_burn(isp, mdot, m0=1000.0, m_dry=300.0, g0=9.81, dt=0.5):
    m = m0
    v = 0.0
    h = 0.0
    while m > m_dry:
        thrust = isp * g0 * mdot
        a = thrust / m - g0
        v += a * dt
        h += v * dt
        m -= mdot * dt
    return h


def sigmoid_logit_chain(a, b):
    s = 1 / (1 + math.exp(-a))
    t = math.tanh(b * s)
    return math.log1p(t * t) + math.expm1(-s)


def haversine(lat1, lon1, lat2, lon2, R=6371.0):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dl = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.asin(math.sqrt(a))


def secant_root(c, x0=1.0, x1=2.0):
    for _ in range(40):
        f0 = math.cos(x0) - c * x0
        f1 = math.cos(x1) - c * x1
        if f1 == f0:
            break
        x2 = x1 - f1 * (x1 - x0) / (f1 - f0)
        x0, x1 = x1, x2
        if abs(x1 - x0) < 1e-14:
            break
    return x1


def _clamp(v, lo=0.0, hi=1.0):
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


def tax_brackets(income, rate2):
    brackets = [(10000.0, 0.0), (40000.0, 0.2), (float("inf"), rate2)]
    tax = 0.0
    prev = 0.0
    for limit, rate in brackets:
        if income <= prev:
            break
        taxable = min(income, limit) - prev
        tax += taxable * rate
        prev = limit
    return tax + _clamp(rate2, 0.1, 0.6)


def simpson_integral(a, b, n=40):
    h = (b - a) / n
    total = math.exp(-a * a) + math.exp(-b * b)
    for i in range(1, n):
        x = a + i * h
        total += (4 if i % 2 else 2) * math.exp(-x * x)
    return total * h / 3


def golden_section_min(c, lo=-2.0, hi=3.0):
    phi = (math.sqrt(5) - 1) / 2
    for _ in range(80):
        a = hi - phi * (hi - lo)
        b = lo + phi * (hi - lo)
        if (a - c) ** 2 + math.cos(a) < (b - c) ** 2 + math.cos(b):
            hi = b
        else:
            lo = a
    x = 0.5 * (lo + hi)
    return (x - c) ** 2 + math.cos(x)


def arrhenius_rate(Ea, T, A=1e7, R=8.314):
    return A * math.exp(-Ea / (R * T))


def radioactive_chain(l1, l2, t=3.0, N0=1000.0):
    NA = N0 * math.exp(-l1 * t)
    NB = N0 * l1 / (l2 - l1) * (math.exp(-l1 * t) - math.exp(-l2 * t))
    return NA + 2 * NB


def drag_terminal_time(m, cd, rho=1.225, area=0.5, g=9.81, dt=0.01):
    v = 0.0
    t = 0.0
    vt = math.sqrt(2 * m * g / (rho * cd * area))
    dist = 0.0
    while t < 4.0:
        a = g - 0.5 * rho * cd * area * v * v / m
        v += a * dt
        dist += v * dt
        t += dt
    return dist + 0.1 * vt


def _discount(rate, t, continuous=False):
    if continuous:
        return math.exp(-rate * t)
    return 1.0 / (1.0 + rate) ** t


def npv_schedule(rate, cashflows, continuous=False):
    total = 0.0
    for t, cf in enumerate(cashflows):
        total += cf * _discount(rate, t, continuous=continuous)
    return total


def irr_newton(c0, flows=(30.0, 40.0, 50.0)):
    r = 0.1
    for _ in range(50):
        f = -c0
        df = 0.0
        for t, cf in enumerate(flows, start=1):
            f += cf / (1 + r) ** t
            df -= t * cf / (1 + r) ** (t + 1)
        step = f / df
        r -= step
        if abs(step) < 1e-14:
            break
    return r


def asian_option_mc(S0, sigma, shocks, K=75.0, r=0.02, T=1.0):
    n = len(shocks[0])
    dt = T / n
    payoff = 0.0
    for path in shocks:
        S = S0
        acc = 0.0
        for z in path:
            S *= math.exp((r - 0.5 * sigma ** 2) * dt + sigma * math.sqrt(dt) * z)
            acc += S
        payoff += max(acc / n - K, 0.0)
    return math.exp(-r * T) * payoff / len(shocks)


def escape_velocity_margin(v, M=5.97e24, R=6.371e6, G=6.674e-11):
    v_esc = math.sqrt(2 * G * M / R)
    if v >= v_esc:
        return 0.5 * (v * v - v_esc * v_esc)
    return -G * M / R + 0.5 * v * v


def stefan_boltzmann_balance(albedo, emissivity, S=1361.0, sigma=5.67e-8):
    T = (S * (1 - albedo) / (4 * emissivity * sigma)) ** 0.25
    return T


def bernoulli_pipe(d1, d2, v1, rho=1000.0, P1=2e5):
    A1 = math.pi * d1 ** 2 / 4
    A2 = math.pi * d2 ** 2 / 4
    v2 = v1 * A1 / A2
    return P1 + 0.5 * rho * (v1 ** 2 - v2 ** 2)


def lens_image_distance(f, d_obj):
    if abs(d_obj - f) < 1e-9:
        return float("inf")
    return 1.0 / (1.0 / f - 1.0 / d_obj)


def series_exp_taylor(x, tol=1e-16):
    term = 1.0
    total = 1.0
    n = 1
    while abs(term) > tol:
        term *= x / n
        total += term
        n += 1
    return total


def fixed_point_cos(a):
    x = 0.5
    for i in range(200):
        x_new = math.cos(a * x)
        if abs(x_new - x) < 1e-15:
            x = x_new
            break
        x = x_new
    return x


PROGRAMS = [
    Program(black_scholes_call, lambda rng: (rng.uniform(80, 120), 100.0, rng.uniform(0.3, 2.0),
                                             0.03, rng.uniform(0.15, 0.4)), (0, 2, 4)),
    Program(bs_greeks_portfolio, lambda rng: (rng.uniform(90, 110), rng.uniform(0.15, 0.35)),
            ("S", "sigma")),
    Program(bs_put, lambda rng: (rng.uniform(80, 120), 100.0, 1.0, 0.02, rng.uniform(0.2, 0.4),
                                 0.01), ("S", "sigma", "q")),
    Program(binomial_tree_call, lambda rng: (rng.uniform(90, 110), rng.uniform(0.2, 0.3)),
            ("S", "sigma")),
    Program(american_put_tree, lambda rng: (rng.uniform(90, 110), rng.uniform(0.2, 0.3)),
            ("S", "sigma")),
    Program(implied_vol_newton, lambda rng: (rng.uniform(6.0, 10.0),)),
    Program(kepler_eccentric_anomaly, lambda rng: (rng.uniform(0.3, 2.5), rng.uniform(0.1, 0.6)),
            ("M", "e")),
    Program(orbit_radius, lambda rng: (rng.uniform(7000, 9000), rng.uniform(0.05, 0.3),
                                       rng.uniform(500, 2000)), ("a", "e", "t")),
    Program(hohmann_delta_v, lambda rng: (rng.uniform(6700, 7000), rng.uniform(40000, 42000)),
            ("r1", "r2")),
    Program(projectile_range_drag, lambda rng: (rng.uniform(20, 40), rng.uniform(0.5, 1.0)),
            ("v0", "angle")),
    Program(projectile_rk4_height, lambda rng: (rng.uniform(20, 30), rng.uniform(0.6, 1.0)),
            ("v0", "angle")),
    Program(carnot_efficiency_work, lambda rng: (rng.uniform(500, 800), rng.uniform(280, 320)),
            ("T_hot", "T_cold")),
    Program(ideal_gas_isothermal_work, lambda rng: (rng.uniform(1e5, 2e5), rng.uniform(0.01, 0.02),
                                                    rng.uniform(0.03, 0.05)), (0, 1, 2)),
    Program(van_der_waals_pressure, lambda rng: (rng.uniform(0.5, 2.0), rng.uniform(280, 350)),
            ("V", "T")),
    Program(otto_cycle_efficiency, lambda rng: (rng.uniform(6, 12), rng.uniform(1.3, 1.45)),
            ("r", "gamma")),
    Program(newton_sqrt, lambda rng: (rng.uniform(0.5, 20.0),)),
    Program(bisection_root, lambda rng: (rng.uniform(0.5, 2.0),)),
    Program(bond_price, lambda rng: (rng.uniform(0.02, 0.08),)),
    Program(bond_duration, lambda rng: (rng.uniform(0.02, 0.08),)),
    Program(compound_growth, lambda rng: (rng.uniform(0.02, 0.07), rng.uniform(500, 5000)),
            ("rate", "principal")),
    Program(pendulum_period, lambda rng: (rng.uniform(0.5, 2.0), rng.uniform(0.2, 1.2)),
            ("L", "theta0")),
    Program(damped_oscillator_energy, lambda rng: (rng.uniform(1, 5), rng.uniform(0.05, 0.5)),
            ("k", "c")),
    Program(logistic_map_average, lambda rng: (rng.uniform(2.5, 3.2),)),
    Program(heat_loss_wall, lambda rng: (rng.uniform(0.5, 2.0), rng.uniform(0.02, 0.1)),
            ("k1", "k2")),
    Program(rocket_burn, lambda rng: (rng.uniform(250, 320), rng.uniform(8, 12)),
            ("isp", "mdot")),
    Program(sigmoid_logit_chain, lambda rng: (rng.standard_normal(), rng.standard_normal()),
            ("a", "b")),
    Program(haversine, lambda rng: (rng.uniform(-60, 60), rng.uniform(-100, 100),
                                    rng.uniform(-60, 60), rng.uniform(-100, 100)), (0, 1, 2, 3)),
    Program(secant_root, lambda rng: (rng.uniform(0.3, 1.5),)),
    Program(tax_brackets, lambda rng: (rng.uniform(45000, 90000), rng.uniform(0.25, 0.45)),
            ("income", "rate2")),
    Program(simpson_integral, lambda rng: (rng.uniform(-1, 0), rng.uniform(0.5, 2)), ("a", "b")),
    Program(golden_section_min, lambda rng: (rng.uniform(-0.5, 1.5),)),
    Program(arrhenius_rate, lambda rng: (rng.uniform(4e4, 6e4), rng.uniform(300, 400)),
            ("Ea", "T")),
    Program(radioactive_chain, lambda rng: (rng.uniform(0.1, 0.3), rng.uniform(0.5, 0.9)),
            ("l1", "l2")),
    Program(drag_terminal_time, lambda rng: (rng.uniform(60, 90), rng.uniform(0.8, 1.2)),
            ("m", "cd")),
    Program(npv_schedule, lambda rng: (rng.uniform(0.02, 0.1), [-100.0, 30.0, 40.0, 50.0, 20.0],
                                       True), ("rate",)),
    Program(irr_newton, lambda rng: (rng.uniform(80, 110),)),
    Program(asian_option_mc, lambda rng: (rng.uniform(95, 105), rng.uniform(0.2, 0.3),
                                          rng.standard_normal((20, 6)).tolist()), ("S0", "sigma")),
    Program(escape_velocity_margin, lambda rng: (rng.uniform(8000, 10000),)),
    Program(stefan_boltzmann_balance, lambda rng: (rng.uniform(0.2, 0.4), rng.uniform(0.6, 0.9)),
            ("albedo", "emissivity")),
    Program(bernoulli_pipe, lambda rng: (rng.uniform(0.1, 0.2), rng.uniform(0.05, 0.09),
                                         rng.uniform(1, 3)), (0, 1, 2)),
    Program(lens_image_distance, lambda rng: (rng.uniform(0.05, 0.1), rng.uniform(0.2, 0.5)),
            ("f", "d_obj")),
    Program(series_exp_taylor, lambda rng: (rng.uniform(-2, 2),)),
    Program(fixed_point_cos, lambda rng: (rng.uniform(0.5, 1.0),)),
]
