"""Photo uploads: validated by content (not by name), re-encoded, EXIF (GPS!) dropped."""
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # default of MAX_PHOTO_PIXELS: larger images are refused before decoding
MAX_SIDE = 16_000  # no phone takes a longer side; strips of 1 × 40,000,000 pixels are refused too
MAX_EDGE = 2560  # photos are resized to this longest edge
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check, for every other caller too


class PhotoError(ValueError):
    pass


@dataclass
class CleanPhoto:
    data: bytes
    content_type: str
    width: int
    height: int


def clean_photo(raw: bytes, filename: str = "") -> CleanPhoto:
    """Check a citizen's photo and return a fresh JPEG with no metadata, or raise PhotoError."""
    limit = current_app.config["MAX_PHOTO_BYTES"]
    if len(raw) > limit:
        raise PhotoError(gettext("%(name)s is larger than %(mb)d MB.", name=filename or gettext("A photo"),
                                 mb=limit // (1024 * 1024)))
    max_pixels = int(current_app.config.get("MAX_PHOTO_PIXELS") or MAX_PIXELS)
    too_big = gettext("%(name)s is too large (at most %(mp)d megapixels): choose a smaller photo.",
                      name=filename or gettext("A photo"), mp=max_pixels // 1_000_000)
    try:
        # Dimensions and frame count come from the header alone: nothing is decoded before they pass.
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            if probe.width * probe.height > max_pixels or max(probe.size) > MAX_SIDE:
                raise PhotoError(too_big)
            if getattr(probe, "n_frames", 1) > 1 or getattr(probe, "is_animated", False):
                raise PhotoError(gettext("%(name)s is an animation: send a single photo.",
                                         name=filename or gettext("A photo")))
            if fmt not in ACCEPTED_FORMATS:
                raise PhotoError(gettext("%(name)s is not a JPEG, PNG or WebP image.",
                                         name=filename or gettext("A file")))
            probe.verify()
        image = Image.open(io.BytesIO(raw))
        if fmt == "JPEG":  # decode at the size we keep (DCT scaling): a fraction of the work for big photos
            image.draft("RGB", (MAX_EDGE, MAX_EDGE))
        image.load()
    except PhotoError:
        raise
    except Image.DecompressionBombError as err:
        raise PhotoError(too_big) from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise PhotoError(gettext("%(name)s is not a JPEG, PNG or WebP image.", name=filename or gettext("A file"))) from err
    image = ImageOps.exif_transpose(image)  # keep the orientation the phone meant, then drop EXIF
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.split()[-1])
        image = background
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)  # no exif= : metadata is gone
    return CleanPhoto(out.getvalue(), "image/jpeg", image.width, image.height)


def store(photo: CleanPhoto) -> str:
    name = f"{uuid.uuid4().hex}.jpg"
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(photo.data)
    return name


def path_of(stored_name: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name
