for (i = 0; i < 15; i++) {
  newImage("img", "8-bit black", 64, 64, 1);
  open("./p" + i + ".roi");
  run("Create Mask");
  selectImage("Mask");
  saveAs("PNG", "./p" + i + ".png");
  run("Close All");
}
print("done");