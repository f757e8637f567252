"""Draw Callwatch's brand icon: a handset in a rounded square, a badge for a missed call.

Run with the test environment's Python (Pillow comes with Home Assistant):
    .venv/bin/python scripts/make_brand_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = Path(__file__).parent.parent / "custom_components" / "callwatch" / "brand"
BLUE = (25, 118, 210, 255)
WHITE = (255, 255, 255, 255)
RED = (229, 57, 53, 255)


def draw(size: int) -> Image.Image:
    """Draw the icon at four times the size, then scale down for smooth edges."""
    big = size * 4
    unit = big / 256
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=int(56 * unit), fill=BLUE)
    # The handset: a thick arc with an earpiece and a mouthpiece at its ends.
    box = (48 * unit, 60 * unit, 208 * unit, 220 * unit)
    pen.arc(box, start=200, end=340, fill=WHITE, width=int(30 * unit))
    pen.rounded_rectangle(
        (36 * unit, 118 * unit, 92 * unit, 158 * unit),
        radius=int(14 * unit),
        fill=WHITE,
    )
    pen.rounded_rectangle(
        (164 * unit, 118 * unit, 220 * unit, 158 * unit),
        radius=int(14 * unit),
        fill=WHITE,
    )
    # The missed call: a red badge with a white ring.
    pen.ellipse((160 * unit, 160 * unit, 240 * unit, 240 * unit), fill=WHITE)
    pen.ellipse((170 * unit, 170 * unit, 230 * unit, 230 * unit), fill=RED)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write icon.png (256 px) and icon@2x.png (512 px)."""
    BRAND.mkdir(exist_ok=True)
    draw(256).save(BRAND / "icon.png", optimize=True)
    draw(512).save(BRAND / "icon@2x.png", optimize=True)


if __name__ == "__main__":
    main()
