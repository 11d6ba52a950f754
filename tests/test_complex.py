"""Complex values, in JAX's convention, against central differences (never srcdiff).

For f: C^n -> R, grad f = df/dx - 1j df/dy (x, y the real and imaginary parts of
each entry). For f: C^n -> C^m the JVP is the real-linear map J, J v = d/dh
f(z + h v) at h = 0 (a complex direction v), and the VJP its transpose in the
bilinear pairing without conjugates: Re(sum(ct * J v)) == Re(sum(vjp(ct) * v))
for every v. Taking v = e_k and v = 1j e_k gives each entry of the reference,
vjp(ct)_k = Re(sum(ct * J e_k)) - 1j Re(sum(ct * J (1j e_k))), which for a real f
and ct = 1 is grad's formula (`vjp_reference`). A real input has only the first
part (its cotangent is real).
"""
from __future__ import annotations

import numpy as np
import pytest

import srcdiff

H = 1e-6


def directional(f, z, v, h=H):
    """J v by central differences: (f(z + h v) - f(z - h v)) / 2h."""
    return (np.asarray(f(z + h * v)) - np.asarray(f(z - h * v))) / (2 * h)


def vjp_reference(f, z, ct):
    """The transpose of J applied to ct (module docstring), entry by entry."""
    z = np.asarray(z)
    out = np.zeros(z.shape, dtype=complex if np.iscomplexobj(z) else float)
    for k in range(z.size):
        e = np.zeros(z.shape, dtype=z.dtype)
        e.flat[k] = 1.0
        part = np.real(np.sum(ct * directional(f, z, e)))
        if np.iscomplexobj(z):
            part = part - 1j * np.real(np.sum(ct * directional(f, z, 1j * e)))
        out.flat[k] = part
    return out if out.ndim else out[()]


def grad_reference(f, z):
    """df/dx - 1j df/dy for a real-valued f (the vjp of ct = 1)."""
    return vjp_reference(f, z, 1.0)


def check_all(f, z, ct=None, v=None, rtol=1e-6, atol=1e-8):
    """vjp (and grad when f is real) and jvp of f at z against the references;
    `ct`, `v`: a cotangent and a direction (random complex ones by default)."""
    rng = np.random.default_rng(0)
    z64 = z.astype(complex) if np.asarray(z).dtype == np.complex64 else z  # (references)
    out = np.asarray(f(z))
    shape = np.shape(z)
    if v is None:
        v = rng.normal(size=shape) + (1j * rng.normal(size=shape) if np.iscomplexobj(z) else 0)
    if ct is None:
        ct = rng.normal(size=out.shape) + (
            1j * rng.normal(size=out.shape) if np.iscomplexobj(out) else 0)
    _, pull = srcdiff.vjp(f, z)
    np.testing.assert_allclose(pull(ct)[0], vjp_reference(f, z64, ct), rtol=rtol, atol=atol,
                               err_msg="vjp")
    _, tangent = srcdiff.jvp(f, (z,), (v,))
    np.testing.assert_allclose(tangent, directional(f, z64, v), rtol=rtol, atol=atol,
                               err_msg="jvp")
    if not np.iscomplexobj(out) and out.ndim == 0:
        np.testing.assert_allclose(srcdiff.grad(f)(z), grad_reference(f, z64), rtol=rtol,
                                   atol=atol, err_msg="grad")


def test_the_references_follow_jax():
    """The convention itself, on formulas JAX documents: grad of abs(z) ** 2 is
    2 conj(z), of np.imag is -1j, of np.real 1; a holomorphic vjp is ct * f'(z)."""
    z = 0.7 - 1.3j
    np.testing.assert_allclose(grad_reference(lambda w: np.abs(w) ** 2, z), 2 * np.conj(z),
                               rtol=1e-8)
    np.testing.assert_allclose(grad_reference(np.imag, z), -1j, atol=1e-9)
    np.testing.assert_allclose(grad_reference(np.real, z), 1.0, atol=1e-9)
    np.testing.assert_allclose(vjp_reference(np.sin, z, 0.3 + 2j), (0.3 + 2j) * np.cos(z),
                               rtol=1e-8)


# ----- arithmetic and elementwise functions -----
Z = np.array([0.7 - 1.3j, -0.4 + 0.6j, 1.1 + 0.2j])
W = np.array([0.3 + 0.5j, 1.2 - 0.7j, -0.8 - 0.1j])


def add(z): return z + W
def sub(z): return W - z
def mul(z): return z * W * z
def div(z): return W / z + z / 2.0
def neg(z): return -z + (+z) * 2.0
def pow_int(z): return z ** 3 + z ** -2
def pow_complex(z): return z ** (0.5 + 0.3j)
def pow_complex_base(z): return (1.5 - 0.5j) ** z
def pow_both(z): return z ** (z * 0.5)
def ufuncs(z):
    return np.add(z, W) * np.multiply(z, z) - np.subtract(W, z) / np.divide(z, W) + np.negative(
        np.positive(z)) + np.power(z, 2) + np.square(z) + np.reciprocal(z)


def exps(z):
    return np.exp(z) + np.exp2(z) + np.expm1(z) + np.log(z) + np.log2(z) + np.log10(z) + (
        np.log1p(z)) + np.sqrt(z)


def trig(z): return np.sin(z) + np.cos(z) + np.tan(z) + np.sinh(z) + np.cosh(z) + np.tanh(z)
def inverse(z):
    return np.arcsin(z) + np.arccos(z) + np.arctan(z) + np.arcsinh(z) + np.arccosh(z) + (
        np.arctanh(z))


@pytest.mark.parametrize("f", [add, sub, mul, div, neg, pow_int, pow_complex, pow_complex_base,
                               pow_both, ufuncs, exps, trig, inverse])
def test_holomorphic(f):
    check_all(f, Z)


def scalar_ops(z): return z * z / (1.0 + z) - 2.0 * z ** 2
def test_complex_scalars():
    z = 0.4 - 0.9j
    check_all(scalar_ops, z)
    assert type(srcdiff.vjp(scalar_ops, z)[1](1.0 + 0j)[0]) is complex


def arccosh(z): return np.arccosh(z)
def test_arccosh_left_of_the_imaginary_axis():
    """1 / sqrt(z * z - 1) has the other sign there: arccosh's own formula."""
    check_all(arccosh, np.array([-0.5 + 0.3j, -2.0 - 1.0j]))


def parts(z): return np.real(z) * 2.0 + np.imag(z) * 3.0 + np.conj(z) * 1j + np.conjugate(z)
def attrs(z): return z.real * z.imag + z.conj() + z.conjugate() * 2.0
def moduli(z): return np.abs(z) + abs(z) * np.angle(z)


@pytest.mark.parametrize("z", [Z, 0.3 - 0.4j, np.complex64(0.3 - 0.4j)])
@pytest.mark.parametrize("f", [parts, attrs, moduli, trig, pow_complex, exps])
def test_non_holomorphic_and_scalars(f, z):
    if f is attrs and type(z) is complex:
        z = np.complex128(z)  # (a Python complex has no .conj())
    single = np.asarray(z).dtype == np.complex64
    check_all(f, z, rtol=1e-5 if single else 1e-6, atol=1e-6 if single else 1e-8)


@pytest.mark.parametrize("f, want", [
    (lambda z: np.real(z), 1.0), (lambda z: np.imag(z), -1j),
    (lambda z: np.abs(z) ** 2, 2 * np.conj(0.6 + 0.8j)),
    (lambda z: np.abs(z), np.conj(0.6 + 0.8j))])  # |z| = 1
def test_grad_of_a_real_function_is_dfdx_minus_i_dfdy(f, want):
    np.testing.assert_allclose(srcdiff.grad(f)(0.6 + 0.8j), want, rtol=1e-12)


def test_abs_at_zero_is_zero_as_in_jax():
    assert srcdiff.grad(lambda z: np.abs(z))(0j) == 0


# ----- real parameters of complex code: their cotangents are real -----
def response(w0, gamma, w):
    """Power of a driven damped oscillator, |1 / (w0^2 - w^2 + i gamma w)|^2."""
    chi = 1.0 / (w0 ** 2 - w ** 2 + 1j * gamma * w)
    return np.sum(np.abs(chi) ** 2)


def test_real_parameters_of_complex_arithmetic():
    w = np.linspace(0.5, 1.5, 7)
    for k, p in enumerate((1.1, 0.2)):
        args = [1.1, 0.2, w]

        def along(v, k=k, args=args):
            a = list(args)
            a[k] = v
            return response(*a)
        got = srcdiff.grad(response, wrt=k)(*args)
        assert type(got) is float
        assert got == pytest.approx(grad_reference(along, p), rel=1e-6)


def plane_wave(x): return np.real(np.exp(1j * x) * (2.0 - 1j))
def test_real_input_complex_intermediate():
    x = np.array([0.3, -1.2, 2.0])
    check_all(plane_wave, x)
    assert srcdiff.grad(lambda x: np.sum(plane_wave(x)))(x).dtype == float


def test_source_reads_like_hand_code():
    g = srcdiff.grad(lambda z: np.abs(z) ** 2)
    g(1j)  # (.source shows the code specialised to the last call: complex)
    assert "2.0 * abs_z * np.conj(z) / np.where(abs_z == 0, 1.0, abs_z)" in g.source
    src = srcdiff.grad(plane_wave_sum).source  # (x real: the real part of complex terms)
    assert "np.real(" in src


def plane_wave_sum(x): return np.sum(plane_wave(x))


# ----- refusals: located, naming the construct -----
def sign_of(z): return np.sum(np.real(np.sign(z)))
def ordered(z): return np.sum(np.real(np.maximum(z, W)))
def complex_out(z): return z * z
def mod(z): return np.real(np.exp(z) % 2.0)


@pytest.mark.parametrize("f, construct", [(sign_of, "np.sign"), (ordered, "np.maximum")])
def test_rules_without_a_complex_form_are_refused(f, construct):
    for entry in (lambda: srcdiff.grad(f)(Z), lambda: srcdiff.vjp(f, Z)[1](1.0),
                  lambda: srcdiff.jvp(f, (Z,), (Z,))):
        with pytest.raises(srcdiff.NotDifferentiableError, match=construct) as info:
            entry()
        assert info.value.lineno == f.__code__.co_firstlineno
        assert "test_complex.py" in str(info.value)


def test_grad_of_a_complex_result_is_refused():
    with pytest.raises(srcdiff.NotDifferentiableError, match="vjp .* or jvp") as info:
        srcdiff.grad(complex_out)(1j)
    assert info.value.lineno == complex_out.__code__.co_firstlineno


def test_forward_grad_of_a_complex_parameter_is_refused():
    with pytest.raises(srcdiff.NotDifferentiableError, match="reverse mode"):
        srcdiff.grad(lambda z: np.abs(z), mode="forward")(1j)


def test_a_complex_cotangent_of_a_real_result_is_refused():
    _, pull = srcdiff.vjp(np.abs, Z)
    with pytest.raises(srcdiff.SrcDiffError, match="cotangent is complex"):
        pull(np.ones(3) * 1j)


def test_a_list_of_complex_numbers_is_refused():
    with pytest.raises(srcdiff.SrcDiffError, match="np.asarray"):
        srcdiff.grad(lambda z: np.sum(np.abs(np.asarray(z))))([1j, 2.0])


# ----- reductions, products, shapes and indexing -----
M2 = np.array([[0.5 + 1j, -0.3], [0.2j, 1.1 - 0.4j], [0.9, -0.7 + 0.2j]])


def sums(z): return np.sum(z * z) + np.mean(z, axis=0) * z.sum() + np.prod(z + 1.0)
def products(z):
    return np.dot(z, W) * np.matmul(z, W) + (z @ np.outer(z, W)) * 2.0 + np.outer(W, z)[0]
def shapes(z):
    m = np.reshape(z, (3, 1)) * np.transpose(np.reshape(z, (1, 3)))
    return np.ravel(m.T) + np.squeeze(np.expand_dims(z, 0)) @ m + z.reshape(3, 1).ravel()
def indexing(z): return z[0] * z[1:] + z[::-1][:2] * z[-1] + np.sum(z[[0, 0, 2]])
def written(z):
    y = np.zeros(3, dtype=complex)
    y[0] = z[1] * 2.0
    y[1:] = z[:2] * z[2]
    return y * 1j
def joined(z): return np.concatenate([z, z * z]) + np.stack([z, 1j * z])[1].sum()
def builtin_sum(z): return sum(z) * sum([z[0], z[1]]) + z
def matrices(a): return np.sum(a @ a.T * a[:, :1], axis=1)


@pytest.mark.parametrize("f", [sums, products, shapes, indexing, written, joined,
                               builtin_sum])
def test_linear_and_multilinear(f):
    check_all(f, Z)


def test_matrices():
    check_all(matrices, M2)


def energy(psi, h):
    """<psi|H|psi> / <psi|psi>, real for a Hermitian H: its grad in psi is
    2 conj(H psi - E psi) / <psi|psi> in JAX's convention."""
    return np.real(np.conj(psi) @ h @ psi) / np.real(np.sum(np.conj(psi) * psi))


def test_expectation_of_a_hermitian_operator():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    h = a + a.conj().T
    psi = Z.copy()
    got = srcdiff.grad(energy)(psi, h)
    np.testing.assert_allclose(got, grad_reference(lambda p: energy(p, h), psi), rtol=1e-6)
    e = energy(psi, h)
    n = np.real(np.vdot(psi, psi))
    np.testing.assert_allclose(got, 2 * np.conj(h @ psi - e * psi) / n, rtol=1e-10)


# ----- discrete Fourier transforms -----
X = np.array([0.3, -1.2, 2.0, 0.5, 0.9])
Z4 = np.array([[0.5 + 1j, -0.3, 0.2j], [1.1 - 0.4j, 0.9, -0.7 + 0.2j]])


def fft_all(z): return np.fft.fft(z) * 2.0 + np.fft.ifft(z * z)
def fft_norms(z): return np.fft.fft(z, norm="ortho") + np.fft.ifft(z, norm="forward") + (
    np.fft.fft(z, norm="forward"))
def fft_axes(z): return np.fft.fft(z, axis=0) + np.fft.ifft(z, axis=-1, norm="ortho")
def fft_2d(z): return np.fft.fft2(z) + np.fft.ifft2(z * 1j, norm="ortho") + np.fft.fftn(
    z, axes=(0,)) + np.fft.ifftn(z)
def rfft_of(x): return np.fft.rfft(x) * (1.0 + 2j) + np.fft.rfft(x * x, norm="ortho")


@pytest.mark.parametrize("f, z", [(fft_all, Z), (fft_norms, Z), (fft_axes, Z4),
                                  (fft_2d, Z4), (rfft_of, X), (fft_all, X)])
def test_fft(f, z):
    check_all(f, z)


def spectrum_power(x): return np.sum(np.abs(np.fft.fft(x)) ** 2)
def test_parseval():
    """sum |fft(x)|^2 = n sum x^2 (Parseval): its gradient is 2 n x."""
    got = srcdiff.grad(spectrum_power)(X)
    np.testing.assert_allclose(got, 2 * len(X) * X, rtol=1e-12)
    np.testing.assert_allclose(got, grad_reference(spectrum_power, X), rtol=1e-6)
    np.testing.assert_allclose(srcdiff.grad(spectrum_power, mode="forward")(X), 2 * len(X) * X,
                               rtol=1e-12)


def fft_padded(x): return np.sum(np.abs(np.fft.fft(x, n=8)))
def irfft_of(z): return np.sum(np.fft.irfft(z))


@pytest.mark.parametrize("f, z, match", [(fft_padded, X, "n="), (irfft_of, Z, "irfft")])
def test_fft_refusals(f, z, match):
    with pytest.raises(srcdiff.NotDifferentiableError, match=match) as info:
        srcdiff.grad(f)(z)
    assert info.value.lineno == f.__code__.co_firstlineno


def joined_lists(z): return np.real(sum([z, 2.0] + [z * z]))
def with_cmath(z):
    import cmath
    return abs(cmath.exp(z))


@pytest.mark.parametrize("f, match", [(joined_lists, "\\+ of lists"), (with_cmath, "cmath.exp")])
def test_other_refusals_are_located(f, match):
    for entry in (lambda: srcdiff.grad(f)(0.5 + 1j), lambda: srcdiff.jvp(f, (0.5 + 1j,), (1j,))):
        with pytest.raises(srcdiff.NotDifferentiableError, match=match) as info:
            entry()
        assert "test_complex.py" in str(info.value)


# ----- derivatives of derivatives at complex arguments: the code built for them -----
def angle_weighted(z): return np.sum(np.angle(z) * np.abs(z))


def test_jvp_and_vjp_of_a_gradient_at_complex_arguments():
    """The generic code of grad (for real arguments) has np.angle's derivative 0: at a
    complex argument the code specialised to it is differentiated again."""
    g = srcdiff.grad(angle_weighted)
    z = np.array([0.3 + 0.2j, -1.0 + 0.5j])
    out, t = srcdiff.jvp(g, (z,), (W[:2],))
    np.testing.assert_allclose(out, g(z), rtol=1e-14)
    np.testing.assert_allclose(t, directional(g, z, W[:2]), rtol=1e-5)
    _, pull = srcdiff.vjp(g, z)
    ct = np.array([0.5 + 1j, -0.2 + 0.3j])
    np.testing.assert_allclose(pull(ct)[0], vjp_reference(g, z, ct), rtol=1e-5)


def angle_of(z): return np.angle(z)
GRAD_ANGLE = srcdiff.grad(angle_of)
def grad_inside(z): return GRAD_ANGLE(z)  # (its generic code, written for real arguments)


def test_a_derivative_called_inside_at_complex_arguments_is_refused():
    """Inlined, the generic code of grad (np.angle's derivative 0 for real arguments)
    would give a wrong value: refused where it meets the complex value."""
    z = np.complex128(0.37 + 0.95j)
    for entry in (lambda: srcdiff.vjp(grad_inside, z)[1](1.0 + 0j),
                  lambda: srcdiff.jvp(grad_inside, (z,), (1.0,))):
        with pytest.raises(srcdiff.NotDifferentiableError, match="wrote for real arguments"):
            entry()
    np.testing.assert_allclose(GRAD_ANGLE(z), -1j / z, rtol=1e-14)  # (called: its own code)


def imag_of(z): return np.imag(z)
GRAD_IMAG = srcdiff.grad(imag_of)
def grad_imag_inside(z): return np.real(GRAD_IMAG(z) * z)  # (its generic code: 0.0)


def test_a_derivative_inlined_into_a_function_of_a_complex_argument_is_refused():
    """grad(np.imag)'s code for real arguments gives 0: inlined into a function of a
    complex argument it is refused, whether or not what it computes reads that argument
    (kinds.complex_values refuses generic code in a function with complex arguments)."""
    z = np.complex128(0.37 + 0.95j)
    for entry in (lambda: srcdiff.vjp(grad_imag_inside, z)[1](1.0),
                  lambda: srcdiff.jvp(grad_imag_inside, (z,), (1.0 + 0j,))):
        with pytest.raises(srcdiff.NotDifferentiableError, match="wrote for real arguments"):
            entry()
    np.testing.assert_allclose(GRAD_IMAG(z), -1j, rtol=1e-14)  # (called: its own code)
