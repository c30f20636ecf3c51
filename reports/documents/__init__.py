"""Official documents in GB/T 9704-2012 layout: the monthly 通报, the 调度会 会议纪要, the 问题交办函
with its 签收回执, and the 督办单 of an overdue issue. layout.py is the reusable page builder; each
other module turns one kind of record into one document."""
