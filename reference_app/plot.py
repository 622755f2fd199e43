"""The residuals-vs-fitted figure of ex2, drawn with the lecture's own matplotlib code."""

from __future__ import annotations

import io
import threading

import numpy as np

# pyplot keeps global state (the current figure), so two requests must not draw at once.
_PYPLOT_LOCK = threading.Lock()


def residual_plot_png(y_hat: np.ndarray, resid: np.ndarray) -> bytes:
    """The lecture's "Residuals vs Fitted" scatter plot, as PNG bytes."""
    with _PYPLOT_LOCK:
        # Imported at the first plot, not with the app: the suite's oracle runs this app in
        # the test process and never draws, so it need not pay for importing pyplot.
        import matplotlib

        matplotlib.use("Agg")  # draw to memory, never to a window; must precede pyplot
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.scatter(y_hat, resid, alpha=0.6)
        ax.axhline(0, color="red", linewidth=1, linestyle="--")
        ax.set_xlabel("Fitted values")
        ax.set_ylabel("Residuals")
        ax.set_title("Residuals vs Fitted")
        fig.tight_layout()

        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        buf.seek(0)
        plt.close(fig)
    return buf.getvalue()
