# Records SHA-256 of the pixels that Pillow (an independent libjpeg-turbo/zlib build) decodes, for the
# decoder's pixel-exactness test. Run: python3 refsums.py > Tests/ImageDecodingTests/pixel-checksums.tsv
import hashlib, sys, os
from PIL import Image
root = "../shared/data/"
files = [
 "dev/formats/derived/citrus_420_q20.jpg", "dev/formats/derived/citrus_cmyk.jpg",
 "dev/formats/derived/citrus_gray.jpg", "dev/formats/derived/citrus_progressive.jpg",
 "dev/formats/derived/citrus_icc_srgb.jpg", "dev/formats/libjpeg-turbo/testorig.jpg",
 "dev/formats/libjpeg-turbo/testimgari.jpg", "dev/formats/libjpeg-turbo/testimgint.jpg",
 "dev/photos/sklearn_china.jpg", "dev/photos/opencv_messi5.jpg", "dev/photos/opencv_fruits.jpg",
 "pdq-reference/bridge-mods/aaa-orig.jpg",
 "dev/formats/libjpeg-turbo/testorig.png", "dev/formats/libjpeg-turbo/vgl_5674_0098.png",
 "dev/formats/pngsuite/basn0g01.png", "dev/formats/pngsuite/basn0g02.png", "dev/formats/pngsuite/basn0g04.png",
 "dev/formats/pngsuite/basn0g08.png", "dev/formats/pngsuite/basn2c08.png", "dev/formats/pngsuite/basi2c08.png",
 "dev/formats/pngsuite/basn3p01.png", "dev/formats/pngsuite/basn3p04.png", "dev/formats/pngsuite/basi3p08.png",
 "dev/formats/derived/citrus_palette256.png", "dev/photos/skimage_coffee.png", "dev/photos/skimage_moon.png",
]
print("# file\tmode\twidth\theight\tsha256 of decoded samples (Pillow %s: L for grey, RGB otherwise)" % Image.__version__)
for f in files:
    im = Image.open(root + f)
    mode = "L" if im.mode in ("L", "1") or (im.mode == "P" and False) else "RGB"
    if im.mode == "1": im = im.convert("L")
    im = im.convert(mode)
    print("%s\t%s\t%d\t%d\t%s" % (f, mode, im.width, im.height, hashlib.sha256(im.tobytes()).hexdigest()))
