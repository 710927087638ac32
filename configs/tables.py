"""The papers' tables that `launch/table.py` reproduces: rows (methods), columns (data sets),
the iterations per cell of each column, and the published numbers to print beside ours.

Each cell (method, data) trains `configs/<method>_<data>.py` with several seeds, and prints
mean ± sample standard deviation (ddof 1) over them beside the paper's number.
"""

# VEEGAN Table 1 [Srivastava et al. 2017, Table 1]: method -> data -> (modes, % high quality). Rows without a
# paper number (our extra baselines) print "-". `budgets`: named alternatives to the configs'
# own iterations, per column; "short" runs the paper's four rows x 5 seeds in a fraction of
# the time, at a cost in quality (docs/results.md: measured time and quality).
TABLES = {
    "veegan1": dict(
        datasets=("ring", "grid", "1200d"),
        methods=("gan", "ali", "unrolled_gan", "veegan"),
        extra_methods=("bigan", "wgan_gp", "age", "alpha_gan"),
        budgets={"short": {"ring": 5_000, "grid": 5_000, "1200d": 2_000}},
        paper={
            "gan": {"ring": (1, 99.3), "grid": (3.3, 0.5), "1200d": (1.6, 2.0)},
            "ali": {"ring": (2.8, 0.13), "grid": (15.8, 1.6), "1200d": (3, 5.4)},
            "unrolled_gan": {"ring": (7.6, 35.6), "grid": (23.6, 16), "1200d": (0, 0.0)},
            "veegan": {"ring": (8, 52.9), "grid": (24.6, 40), "1200d": (5.5, 28.29)},
        },
    ),
}
