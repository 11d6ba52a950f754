"""Minor: jvp cannot take a function argument of f, whatever tangent is given for it
(None, 0.0, the function): "cannot differentiate with respect to 'rhs': it is a
function". grad, value_and_grad, vjp, jacobian, hessian take it (they have wrt);
jvp has no way to say "not differentiated"."""
import srcdiff


def decay(y):
    return -0.5 * y


def integrate(rhs, y0, dt=0.1, n=5):
    y = y0
    for _ in range(n):
        y = y + dt * rhs(y)
    return y


print("vjp", srcdiff.vjp(integrate, decay, 1.0, wrt=1)[1](1.0))
for t in (None, 0.0, decay):
    try:
        print(t, srcdiff.jvp(integrate, (decay, 1.0), (t, 1.0)))
    except Exception as e:
        print(t, type(e).__name__, str(e).splitlines()[0])
