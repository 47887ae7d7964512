"""Hooks for apps that build on initiatives without initiatives importing them.

- `demo_loaded(sender, stdout)`: sent by `load_demo` after the demo plans are loaded,
  inside its transaction and audit context, so other apps add their demo data.
- `synthetic_plan_removing(sender, plan)`: `make_synthetic_plan` is about to delete
  an existing synthetic plan with raw deletes; remove your rows that point into it.
- `synthetic_plan_built(sender, plan, count)`: the synthetic plan exists; add yours.
"""

from django.dispatch import Signal

demo_loaded = Signal()
synthetic_plan_removing = Signal()
synthetic_plan_built = Signal()
