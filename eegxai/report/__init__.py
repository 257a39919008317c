"""HTML reports: one page per subject and one per dataset (group).

Entry points: :func:`subject_report` and :func:`group_report` (called by the
``report`` and ``group_report`` rules); figure functions in
:mod:`eegxai.report.figures`; page assembly in :mod:`eegxai.report.html`.
"""

from .group import group_report
from .subject import subject_report

__all__ = ["group_report", "subject_report"]
