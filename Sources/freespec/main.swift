print("freespec: placeholder")
