"""Guards for files people upload, checked before anything reads them.

* ``check_size``: a file over ``settings.UPLOAD_MAX_BYTES`` is refused; ``SizeLimitUploadHandler``
  (in ``FILE_UPLOAD_HANDLERS``) stops storing such a file while it is still arriving, so an
  oversized upload never fills a disk or memory, whichever form it was meant for.
* ``check_zip``: ZIP containers (XLSX is one) are checked the way zip-bomb guards do, from the
  archive's directory alone, before any member is decompressed: how many members, their total
  uncompressed size, and each large member's compression ratio. A 1 MB file whose sheet expands
  to gigabytes (empty rows, one huge string, whitespace) is refused here. Reading a member later
  cannot yield more than its declared size: Python's ``zipfile`` stops there and checks the CRC.

Each refusal is ``UploadRefused`` with a message for people; nothing here knows what the file is for.
"""

import struct
import zipfile

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

#: Members smaller than this are not ratio-checked (tiny XML parts compress very well, harmlessly).
RATIO_CHECKED_FROM = 1024 * 1024
#: Members an archive may list (an XLSX has a few dozen).
MAX_MEMBERS = 10_000
_END_OF_DIRECTORY = b"PK\x05\x06"


class UploadRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def file_size(file) -> int:
    """The size of an uploaded file or an open binary file, in bytes."""
    size = getattr(file, "size", None)
    if size is not None:
        return size
    position = file.tell()
    file.seek(0, 2)
    size = file.tell()
    file.seek(position)
    return size


def size_refusal(name: str) -> str:
    return _("文件 %(name)s 超过 %(limit)s 的上限，请拆分后再上传") % {
        "name": name or _("（未命名）"),
        "limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
    }


def check_size(file) -> None:
    """Refuse a file over ``settings.UPLOAD_MAX_BYTES``."""
    if file_size(file) > settings.UPLOAD_MAX_BYTES:
        raise UploadRefused(size_refusal(getattr(file, "name", "")))


def check_zip(file) -> None:
    """Refuse a ZIP archive that is malformed or would expand past the limits (see the module
    docstring); leaves the file at its start."""
    file.seek(0)
    try:
        members = _listed_members(file)
        if members > MAX_MEMBERS:
            raise UploadRefused(_("压缩包内文件过多（%(n)d 个），不像是表格文件") % {"n": members})
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error) as exc:
        raise UploadRefused(_("文件已损坏，不是完整的 XLSX 文件")) from exc
    finally:
        file.seek(0)
    total = sum(info.file_size for info in infos)
    if total > settings.UPLOAD_UNZIPPED_MAX_BYTES:
        raise UploadRefused(
            _("文件解压后有 %(size)s，超过 %(limit)s 的上限；请删去多余的空行、格式或工作表，或另存为 CSV 后上传")
            % {"size": filesizeformat(total), "limit": filesizeformat(settings.UPLOAD_UNZIPPED_MAX_BYTES)}
        )
    for info in infos:
        if info.file_size >= RATIO_CHECKED_FROM and info.file_size > settings.UPLOAD_ZIP_MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise UploadRefused(
                _("文件内容压缩比异常（%(name)s 解压后是压缩时的 %(ratio)d 倍），可能是恶意构造的文件，已拒绝")
                % {"name": info.filename[:100], "ratio": info.file_size // max(info.compress_size, 1)}
            )


def _listed_members(file) -> int:
    """How many members the archive's end-of-directory record declares, read before ``zipfile``
    loads the whole directory into memory (a crafted one may list millions)."""
    size = file_size(file)
    tail_size = min(size, 22 + 65535)  # the record and at most a 64 KiB comment
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(_END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < 22:
        raise zipfile.BadZipFile("no end of central directory")
    (total,) = struct.unpack("<H", tail[at + 10 : at + 12])
    return MAX_MEMBERS + 1 if total == 0xFFFF else total  # 0xFFFF: a ZIP64 count, far more than a sheet has


class SizeLimitUploadHandler(FileUploadHandler):
    """First in ``FILE_UPLOAD_HANDLERS``: once a file passes ``settings.UPLOAD_MAX_BYTES`` the
    rest of it is read and dropped, not stored. The field is left out of ``request.FILES`` and
    named in ``request.refused_uploads`` (field name → file name), for the form to say why."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            refused = getattr(self.request, "refused_uploads", {})
            refused[self.field_name] = self.file_name
            self.request.refused_uploads = refused
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
