"""Scalar physics: the range of a projectile launched from a height, and the
energy of a pendulum sliding against friction that depends on its material."""
import math

G = 9.81  # m/s^2
FRICTION = {"steel": 0.12, "wood": 0.35, "rubber": 0.8}


def projectile_range(speed, angle, height):
    """Horizontal distance travelled before hitting the ground (no drag)."""
    vx = speed * math.cos(angle)
    vy = speed * math.sin(angle)
    flight = (vy + math.sqrt(vy * vy + 2 * G * height)) / G
    return vx * flight


def friction_coefficient(material):
    return FRICTION[material] if material in FRICTION else 0.5


def pendulum_energy(theta, omega, length, material):
    """Kinetic plus potential energy per unit mass, less the work done by friction
    over one swing from -theta to theta."""
    mu = friction_coefficient(material)
    kinetic = 0.5 * (length * omega) ** 2
    potential = G * length * (1 - math.cos(theta))
    work = mu * G * math.cos(theta) * 2 * abs(theta) * length
    return kinetic + potential - work


def drag_distance(speed, angle, drag, steps=400):
    """Distance flown in two seconds with quadratic air drag, by explicit Euler steps."""
    dt = 2.0 / steps
    x = 0.0
    vx = speed * math.cos(angle)
    vy = speed * math.sin(angle)
    for _ in range(steps):
        v = math.hypot(vx, vy)
        x = x + vx * dt
        vx = vx - drag * v * vx * dt
        vy = vy - (G + drag * v * vy) * dt
    return x
