"""Printed documents: the execution sheet (仓库执行单) and the carrier label (快递面单) as PDFs
made with reportlab, Chinese text in an embedded TrueType font (see ``fonts``)."""
